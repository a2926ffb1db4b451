"""Realistic, reproducible base data for a province, built column-wise (numpy + polars).

    frames = generate(Scale.of("small"), seed=2017, province="330000")

Persons come in households (a head, often a spouse, children a generation younger, one
surname passed on by the father); ID numbers use the household's real GB/T 2260 county code,
the birth date and a sequence whose last digit follows the gender (odd male, even female),
made unique per (county, birth date, gender) and closed by the GB 11643 check character, all
computed on whole columns. Enterprises, social organisations and public institutions get
valid GB 32100 credit codes (GB 11714 organisation code inside) and legal representatives who
are living adults of the population. Social security, marriage and education records, credit
records and certificate holders are drawn from the same frames, so they agree with each other.

Nothing here touches the database: `population`/`legal_persons`/... load the frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from govshare.standards.divisions import full_name, reference_divisions

REFERENCE_DAY = date(2026, 1, 1)  # ages are computed against a fixed day: same seed, same data

# Surnames with their approximate share of the population (per mille, rounded; national
# figures, with 林 and 金 raised a little as in Zhejiang). The rest share the remainder.
SURNAMES = {
    "王": 71,
    "李": 70,
    "张": 67,
    "刘": 54,
    "陈": 53,
    "杨": 31,
    "黄": 24,
    "赵": 23,
    "吴": 22,
    "周": 19,
    "徐": 19,
    "孙": 15,
    "马": 14,
    "朱": 14,
    "胡": 13,
    "郭": 12,
    "何": 12,
    "林": 14,
    "罗": 9,
    "高": 9,
    "郑": 11,
    "梁": 7,
    "谢": 7,
    "宋": 6,
    "唐": 6,
    "许": 6,
    "韩": 5,
    "冯": 5,
    "邓": 5,
    "曹": 5,
    "彭": 5,
    "曾": 5,
    "肖": 5,
    "田": 4,
    "董": 4,
    "袁": 4,
    "潘": 4,
    "于": 4,
    "蒋": 4,
    "蔡": 4,
    "余": 4,
    "杜": 4,
    "叶": 5,
    "程": 4,
    "苏": 3,
    "魏": 3,
    "吕": 3,
    "丁": 3,
    "任": 3,
    "沈": 4,
    "姚": 3,
    "卢": 3,
    "姜": 3,
    "崔": 3,
    "钟": 3,
    "谭": 3,
    "陆": 3,
    "汪": 3,
    "范": 3,
    "金": 4,
    "石": 3,
    "廖": 3,
    "贾": 2,
    "夏": 2,
    "韦": 2,
    "方": 3,
    "邹": 2,
    "孟": 2,
    "熊": 2,
    "秦": 2,
    "邱": 2,
    "江": 2,
    "尹": 2,
    "薛": 2,
    "闫": 2,
    "段": 2,
    "雷": 2,
    "侯": 2,
    "龙": 2,
    "史": 2,
    "陶": 2,
    "黎": 2,
    "贺": 2,
    "顾": 2,
    "毛": 2,
    "郝": 2,
    "龚": 2,
    "邵": 2,
    "万": 2,
    "钱": 2,
    "严": 2,
    "戴": 2,
    "莫": 1,
    "孔": 1,
    "汤": 1,
    "应": 1,
    "楼": 1,
    "屠": 1,
    "诸": 1,
    "俞": 2,
}
MALE_CHARS = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯晨俊帅文博建国志海东峰亮宁斌晓毅昊睿轩航然哲"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀英玲桂萍红燕梅琳雪婷琪欣怡佳慧颖倩雯晶莉媛洁璐瑶涵萱悦诗雨思嘉梦"
# GB/T 3304 codes in the province: 汉 nearly all, 畲族 the largest minority in Zhejiang.
ETHNICITIES = {"01": 0.9905, "22": 0.004, "15": 0.0018, "06": 0.0017, "08": 0.001, "09": 0.0005, "03": 0.0005}
ROADS = "解放人民中山建设文化延安凤起庆春环城新华和平胜利健康育才学院钱江之江滨江江南湖滨"
EDUCATION = {"81": 0.14, "71": 0.30, "61": 0.17, "41": 0.07, "31": 0.12, "21": 0.15, "14": 0.04, "11": 0.01}
DEGREES = {"21": "学士", "14": "硕士", "11": "博士"}
SCHOOLS = (
    "浙江大学",
    "浙江工业大学",
    "宁波大学",
    "温州大学",
    "杭州电子科技大学",
    "浙江师范大学",
    "浙江理工大学",
    "中国美术学院",
    "浙江工商大学",
    "温州医科大学",
)
MAJORS = (
    "计算机科学与技术",
    "汉语言文学",
    "法学",
    "临床医学",
    "会计学",
    "土木工程",
    "机械工程",
    "英语",
    "电子信息工程",
    "工商管理",
)
INDUSTRIES = (
    "科技",
    "贸易",
    "实业",
    "电子",
    "机械",
    "纺织",
    "服饰",
    "建设",
    "物流",
    "食品",
    "医药",
    "网络科技",
    "新材料",
    "电器",
    "汽车配件",
    "文化传媒",
    "餐饮管理",
    "信息技术",
)
BRANDS = "恒远华信正泰新宇通达永盛天成宏达金鼎博远中联锦绣瑞丰同创卓越海纳东方明珠万象鸿运聚源"
SOCIAL_KINDS = (("协会", "1"), ("商会", "1"), ("研究会", "1"), ("服务中心", "2"), ("养老院", "2"), ("基金会", "3"))
INSTITUTIONS = (
    "第一中学",
    "第二中学",
    "实验小学",
    "人民医院",
    "中医院",
    "疾病预防控制中心",
    "图书馆",
    "档案馆",
    "研究院",
    "职业技术学院",
)
CREDIT_KINDS = {
    "commendation": ("表彰", "守信激励对象"),
    "penalty": ("行政处罚", "违法违规行为受到行政处罚"),
    "dishonest": ("失信被执行人", "有履行能力而拒不履行生效法律文书确定义务"),
}


@dataclass(frozen=True)
class Scale:
    """How much to make. `certificates` caps signed certificates per type (each is one
    signature, the slow part on the national suite); the records linked to persons scale
    with the population."""

    name: str
    persons: int
    legal_persons: int
    certificates: int

    @staticmethod
    def of(name: str) -> Scale:
        try:
            return SCALES[name]
        except KeyError:
            raise ValueError(f"unknown scale {name!r}; expected one of {', '.join(SCALES)}") from None


SCALES = {
    "tiny": Scale("tiny", 300, 40, 20),
    "small": Scale("small", 5_000, 500, 200),
    "medium": Scale("medium", 100_000, 10_000, 1_000),
    "large": Scale("large", 1_000_000, 100_000, 5_000),
}


@dataclass
class Frames:
    persons: pl.DataFrame
    social_security: pl.DataFrame = field(default_factory=pl.DataFrame)
    marriage: pl.DataFrame = field(default_factory=pl.DataFrame)
    education: pl.DataFrame = field(default_factory=pl.DataFrame)
    legal_persons: pl.DataFrame = field(default_factory=pl.DataFrame)  # all three kinds, with 登记主体
    credit: pl.DataFrame = field(default_factory=pl.DataFrame)

    def sizes(self) -> dict[str, int]:
        return {
            name: getattr(self, name).height
            for name in ("persons", "social_security", "marriage", "education", "legal_persons", "credit")
        }


# --- identifiers, column-wise -------------------------------------------------------------

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.array(list("10X98765432"))
USCC_ALPHABET = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)


def ascii_matrix(strings: pl.Series, width: int) -> np.ndarray:
    """An (n, width) matrix of the ASCII codes of fixed-width strings."""
    raw = np.frombuffer("".join(strings.to_list()).encode("ascii"), dtype=np.uint8)
    return raw.reshape(-1, width)


def citizen_check_chars(first17: pl.Series) -> pl.Series:
    """GB 11643 check characters of a column of 17-digit strings."""
    if first17.len() == 0:
        return pl.Series([], dtype=pl.String)
    digits = ascii_matrix(first17, 17).astype(np.int64) - 48
    return pl.Series(ID_CHECK[(digits @ ID_WEIGHTS) % 11])


def _uscc_values(matrix: np.ndarray) -> np.ndarray:
    lookup = np.full(128, -1, dtype=np.int64)
    for value, ch in enumerate(USCC_ALPHABET):
        lookup[ord(ch)] = value
    return lookup[matrix]


def uscc_codes(prefix: pl.Series, org_numbers: np.ndarray) -> pl.Series:
    """Credit codes from 8-character prefixes (authority, type, division) and distinct
    integers that become the 8-character GB 11714 organisation code bodies (base 31)."""
    n = len(org_numbers)
    if n == 0:
        return pl.Series([], dtype=pl.String)
    body = np.empty((n, 8), dtype=np.int64)
    rest = org_numbers.astype(np.int64)
    for position in range(7, -1, -1):
        body[:, position] = rest % 31
        rest //= 31
    # GB 11714 reads digits as 0-9 and letters as 10-35 (A=10 …), not the base-31 values.
    chars = USCC_ALPHABET[body]
    codes = np.array([ord(c) for c in chars.ravel()], dtype=np.int64).reshape(n, 8)
    org_values = np.where(codes <= 57, codes - 48, codes - 55)
    remainder = 11 - (org_values @ ORG_WEIGHTS) % 11
    org_check = np.where(remainder == 10, "X", np.where(remainder == 11, "0", remainder.astype(str)))
    first17 = prefix + pl.Series(["".join(row) for row in chars]) + pl.Series(org_check)
    values = _uscc_values(ascii_matrix(first17, 17))
    check = USCC_ALPHABET[(31 - (values @ USCC_WEIGHTS) % 31) % 31]
    return first17 + pl.Series(check)


# --- persons ----------------------------------------------------------------------------


def counties(province: str) -> list[str]:
    return [d.code for d in reference_divisions() if d.level == "county" and d.code.startswith(province[:2])]


def _choice(rng: np.random.Generator, options: dict[str, float] | list[str], n: int) -> np.ndarray:
    if isinstance(options, dict):
        keys = np.array(list(options))
        weights = np.array(list(options.values()), dtype=float)
        return keys[rng.choice(len(keys), n, p=weights / weights.sum())]
    return np.array(options)[rng.integers(0, len(options), n)]


def _given_names(rng: np.random.Generator, male: np.ndarray) -> pl.Series:
    n = len(male)
    pool_m, pool_f = np.array(list(MALE_CHARS)), np.array(list(FEMALE_CHARS))
    first = np.where(male, pool_m[rng.integers(0, len(pool_m), n)], pool_f[rng.integers(0, len(pool_f), n)])
    second = np.where(male, pool_m[rng.integers(0, len(pool_m), n)], pool_f[rng.integers(0, len(pool_f), n)])
    two = rng.random(n) < 0.72
    return pl.Series(first) + pl.Series(np.where(two, second, ""))


def _households(rng: np.random.Generator, persons: int) -> tuple[np.ndarray, np.ndarray]:
    """(household of each person, position in its household): sizes 1–5, about 2.7 on average."""
    sizes = rng.choice([1, 2, 3, 4, 5], size=persons // 2 + 10, p=[0.17, 0.28, 0.30, 0.15, 0.10])
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), persons) + 1]
    sizes[-1] -= int(sizes.sum()) - persons
    household = np.repeat(np.arange(len(sizes)), sizes)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return household, np.arange(persons) - starts


def generate_persons(rng: np.random.Generator, n: int, province: str) -> pl.DataFrame:
    household, position = _households(rng, n)
    homes = np.array(counties(province))
    # Three of four live in the three demo cities (杭州, 宁波, 温州), the rest anywhere.
    city = np.isin(np.array([c[:4] for c in homes]), [province[:2] + "01", province[:2] + "02", province[:2] + "03"])
    weights = np.where(city, 3.0, 1.0)
    home_of_household = homes[rng.choice(len(homes), household.max() + 1, p=weights / weights.sum())]
    head_age = rng.integers(24, 85, household.max() + 1)
    head_male = rng.random(household.max() + 1) < 0.78
    h_age, h_male = head_age[household], head_male[household]
    spouse, child = position == 1, position >= 2
    male = np.where(spouse, ~h_male, np.where(child, rng.random(n) < 0.515, h_male))
    age = np.where(
        spouse,
        np.clip(h_age + rng.integers(-4, 5, n), 20, 95),
        np.where(child, np.clip(h_age - rng.integers(22, 36, n), 0, 60), h_age),
    )
    days = (age * 365.25 + rng.integers(0, 365, n)).astype("timedelta64[D]")
    born = np.datetime64(REFERENCE_DAY) - days
    households = household.max() + 1
    head_surname, spouse_surname = _choice(rng, SURNAMES, households), _choice(rng, SURNAMES, households)
    father_surname = np.where(head_male, head_surname, spouse_surname)  # children take the father's
    surname = np.where(
        position == 0, head_surname[household], np.where(spouse, spouse_surname[household], father_surname[household])
    )
    frame = pl.DataFrame(
        {
            "household": household.astype(np.int64),
            "position": position.astype(np.int8),
            "male": male,
            "born": born.astype("datetime64[D]"),
            "home": home_of_household[household],
            "birthplace": np.where(
                rng.random(n) < 0.88, home_of_household[household], homes[rng.integers(0, len(homes), n)]
            ),
            "surname": surname,
            "age": age.astype(np.int16),
        }
    )
    frame = frame.with_columns(pl.col("born").cast(pl.Date))
    frame = _with_ids(frame, rng)
    status = np.where(rng.random(n) < np.where(age > 75, 0.04, 0.002), "2", np.where(rng.random(n) < 0.002, "3", "1"))
    roads = np.array([ROADS[i : i + 2] for i in range(0, len(ROADS), 2)])
    names = {c: full_name(c) or c for c in homes}
    return frame.with_columns(
        (pl.col("surname") + _given_names(rng, male)).alias("姓名"),
        pl.when(pl.col("male")).then(pl.lit("1")).otherwise(pl.lit("2")).alias("性别代码"),
        pl.Series(_choice(rng, ETHNICITIES, n)).alias("民族代码"),
        pl.col("born").alias("出生日期"),
        pl.col("home").alias("户籍行政区划代码"),
        (
            pl.col("home").replace_strict(names, return_dtype=pl.String).str.replace_all(" ", "")
            + pl.Series(roads[rng.integers(0, len(roads), n)])
            + "路"
            + pl.Series(rng.integers(1, 400, n)).cast(pl.String)
            + "号"
        ).alias("住址"),
        pl.Series(status).alias("人员状态"),
        pl.format("{}{}", pl.col("home").str.slice(0, 4), pl.col("household").cast(pl.String).str.zfill(7)).alias(
            "户号"
        ),
        pl.when(pl.col("position") == 0)
        .then(pl.lit("02"))
        .when(pl.col("position") == 1)
        .then(pl.lit("10"))
        .when(pl.col("male"))
        .then(pl.lit("20"))
        .otherwise(pl.lit("30"))
        .alias("与户主关系代码"),
    )


def _with_ids(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Sequence codes unique per (address code, birth date, gender) with the gender parity;
    then the check character."""
    frame = frame.with_columns(pl.Series("_jitter", rng.integers(0, 40, frame.height)))
    frame = frame.with_columns(
        (
            pl.int_range(pl.len()).over(["birthplace", "born", "male"])
            + pl.col("_jitter").min().over(["birthplace", "born", "male"])
        ).alias("_rank")
    )
    if frame["_rank"].max() is not None and frame["_rank"].max() >= 500:  # type: ignore[operator]
        raise ValueError("too many persons share a county, birth date and gender for GB 11643 sequence codes")
    first17 = frame.select(
        pl.format(
            "{}{}{}",
            pl.col("birthplace"),
            pl.col("born").dt.strftime("%Y%m%d"),
            (pl.col("_rank") * 2 + pl.col("male").cast(pl.Int64)).cast(pl.String).str.zfill(3),
        )
    ).to_series()
    return frame.with_columns((first17 + citizen_check_chars(first17)).alias("公民身份号码")).drop("_jitter", "_rank")


PERSON_COLUMNS = (
    "公民身份号码",
    "姓名",
    "性别代码",
    "民族代码",
    "出生日期",
    "户籍行政区划代码",
    "住址",
    "人员状态",
    "户号",
    "与户主关系代码",
)


# --- linked person records ----------------------------------------------------------------


def marriages(persons: pl.DataFrame) -> pl.DataFrame:
    """Heads and spouses of households with two or more adults are married to each other."""
    pairs = (
        persons.filter(pl.col("position") <= 1)
        .with_columns(pl.len().over("household").alias("_n"))
        .filter(pl.col("_n") == 2)
    )
    heads = pairs.filter(pl.col("position") == 0).select("household", "公民身份号码", "姓名", "出生日期", "home")
    spouses = pairs.filter(pl.col("position") == 1).select(
        "household",
        pl.col("公民身份号码").alias("配偶公民身份号码"),
        pl.col("姓名").alias("配偶姓名"),
        pl.col("出生日期").alias("_b2"),
    )
    joined = heads.join(spouses, on="household")
    married = joined.with_columns(
        (pl.max_horizontal("出生日期", "_b2").dt.offset_by("23y") + pl.duration(days=pl.col("household") % 1500)).alias(
            "登记日期"
        )
    )
    married = married.filter(pl.col("登记日期") < pl.lit(REFERENCE_DAY))
    both = pl.concat(
        [
            married.select("公民身份号码", "姓名", "配偶公民身份号码", "配偶姓名", "登记日期", "home"),
            married.select(
                pl.col("配偶公民身份号码").alias("公民身份号码"),
                pl.col("配偶姓名").alias("姓名"),
                pl.col("公民身份号码").alias("配偶公民身份号码"),
                pl.col("姓名").alias("配偶姓名"),
                "登记日期",
                "home",
            ),
        ]
    )
    return both.select(
        "公民身份号码",
        "姓名",
        pl.lit("20").alias("婚姻状况代码"),
        "配偶公民身份号码",
        "配偶姓名",
        "登记日期",
        pl.col("home").alias("登记机关行政区划代码"),
    )


def education(rng: np.random.Generator, persons: pl.DataFrame) -> pl.DataFrame:
    adults = persons.filter(pl.col("age") >= 22)
    n = adults.height
    level = _choice(rng, EDUCATION, n)
    graduated = adults["出生日期"].dt.offset_by("22y").to_numpy()
    with_degree = np.isin(level, list(DEGREES))
    frame = adults.select("公民身份号码", "姓名").with_columns(
        pl.Series("学历代码", level),
        pl.Series("毕业院校", np.where(np.isin(level, ["11", "14", "21", "31"]), _choice(rng, list(SCHOOLS), n), "")),
        pl.Series("专业", np.where(np.isin(level, ["11", "14", "21", "31"]), _choice(rng, list(MAJORS), n), "")),
        pl.Series("毕业日期", graduated).cast(pl.Date),
        pl.Series("学位证书编号", np.where(with_degree, [f"1{i:015d}" for i in rng.permutation(n)], "")),
    )
    return frame


def social_security(rng: np.random.Generator, persons: pl.DataFrame, employers: pl.DataFrame) -> pl.DataFrame:
    working = persons.filter(pl.col("age").is_between(18, 64) & (pl.col("人员状态") == "1"))
    working = working.filter(pl.Series(rng.random(working.height) < 0.8))
    n = working.height
    codes = employers.filter(pl.col("主体类型") == "enterprise")["统一社会信用代码"].to_numpy()
    employer = codes[rng.integers(0, len(codes), n)] if len(codes) else np.full(n, "")
    start = working["出生日期"].dt.offset_by("20y").to_numpy() + rng.integers(0, 2000, n).astype("timedelta64[D]")
    start = np.minimum(start, np.datetime64(REFERENCE_DAY) - np.timedelta64(30, "D"))
    return working.select("公民身份号码", "姓名").with_columns(
        pl.Series("参保险种", np.where(rng.random(n) < 0.85, "110", "120")),
        pl.Series("参保状态", np.where(rng.random(n) < 0.93, "1", "2")),
        pl.Series("参保日期", start).cast(pl.Date),
        pl.Series("参保地行政区划代码", working["home"].to_numpy()),
        pl.Series("单位统一社会信用代码", employer),
    )


# --- legal persons ------------------------------------------------------------------------

LEGAL_KINDS = (("enterprise", 0.85), ("social_organisation", 0.08), ("institution", 0.07))


def generate_legal_persons(rng: np.random.Generator, n: int, persons: pl.DataFrame, province: str) -> pl.DataFrame:
    kinds = _choice(rng, dict(LEGAL_KINDS), n)
    homes = np.array(counties(province))
    division = homes[rng.integers(0, len(homes), n)]
    social_kind = rng.integers(0, len(SOCIAL_KINDS), n)
    social_type = np.array([t for _, t in SOCIAL_KINDS])[social_kind]
    authority = np.where(kinds == "enterprise", "9", np.where(kinds == "social_organisation", "5", "1"))
    org_type = np.where(kinds == "enterprise", "1", np.where(kinds == "social_organisation", social_type, "2"))
    # Distinct organisation numbers: an affine permutation of 0..31^8 (the multiplier is prime).
    numbers = (rng.integers(0, 10**6) + np.arange(n, dtype=np.int64) * 104_729_791) % 31**8
    prefix = pl.Series(authority) + pl.Series(org_type) + pl.Series(division)
    codes = uscc_codes(prefix, numbers)
    adults = persons.filter(pl.col("age").is_between(25, 70) & (pl.col("人员状态") == "1"))
    rep = rng.integers(0, adults.height, n)
    city = pl.Series(division).str.slice(0, 4) + "00"
    city_names = {c: (full_name(c) or "").split(" ")[-1] for c in set(city.to_list())}
    city_name = city.replace_strict(city_names, return_dtype=pl.String).str.replace("市$", "")
    brands = np.array([BRANDS[i : i + 2] for i in range(0, len(BRANDS), 2)])
    brand = pl.Series(brands[rng.integers(0, len(brands), n)])
    serial = pl.Series(rng.integers(1, 99, n)).cast(pl.String)
    enterprise_name = city_name + brand + pl.Series(_choice(rng, list(INDUSTRIES), n)) + "有限公司"
    social_name = city_name + "市" + brand + pl.Series(np.array([k for k, _ in SOCIAL_KINDS])[social_kind])
    institution_name = city_name + "市" + pl.Series(_choice(rng, list(INSTITUTIONS), n))
    name = pl.Series(
        np.where(
            kinds == "enterprise",
            enterprise_name.to_numpy(),
            np.where(kinds == "social_organisation", social_name.to_numpy(), institution_name.to_numpy()),
        )
    )
    name = name + pl.Series(np.where(kinds == "institution", "（" + serial.to_numpy() + "）", ""))
    capital = np.round(np.where(kinds == "enterprise", rng.lognormal(5.5, 1.6, n), rng.lognormal(3, 1, n)), 2)
    established = np.datetime64("1990-01-01") + rng.integers(0, 36 * 365, n).astype("timedelta64[D]")
    status = _choice(rng, {"1": 0.93, "2": 0.05, "3": 0.02}, n)
    roads = np.array([ROADS[i : i + 2] for i in range(0, len(ROADS), 2)])
    return pl.DataFrame(
        {
            "统一社会信用代码": codes,
            "机构名称": name,
            "机构类型代码": pl.Series(authority) + pl.Series(org_type),
            "法定代表人公民身份号码": adults["公民身份号码"].gather(rep),
            "法定代表人姓名": adults["姓名"].gather(rep),
            "注册资本（万元）": capital,
            "住所": city_name
            + "市"
            + pl.Series(roads[rng.integers(0, len(roads), n)])
            + "路"
            + pl.Series(rng.integers(1, 999, n)).cast(pl.String)
            + "号",
            "行政区划代码": division,
            "成立日期": pl.Series(established).cast(pl.Date),
            "登记状态": status,
            "主体类型": kinds,
        }
    )


# --- credit records -----------------------------------------------------------------------


def credit_records(rng: np.random.Generator, persons: pl.DataFrame, legal: pl.DataFrame) -> pl.DataFrame:
    people = persons.filter(pl.Series(rng.random(persons.height) < 0.02)).select(
        pl.lit("1").alias("主体类别"), pl.col("公民身份号码").alias("主体代码"), pl.col("姓名").alias("主体名称")
    )
    bodies = legal.filter(pl.Series(rng.random(legal.height) < 0.06)).select(
        pl.lit("2").alias("主体类别"),
        pl.col("统一社会信用代码").alias("主体代码"),
        pl.col("机构名称").alias("主体名称"),
    )
    subjects = pl.concat([people, bodies])
    n = subjects.height
    kind = _choice(rng, {"commendation": 0.3, "penalty": 0.55, "dishonest": 0.15}, n)
    decided = np.datetime64("2018-01-01") + rng.integers(0, 8 * 365, n).astype("timedelta64[D]")
    return subjects.with_columns(
        pl.Series("记录编号", [f"XY{i:012d}" for i in rng.permutation(n)]),
        pl.Series("记录类别", kind),
        pl.Series("记录内容", [CREDIT_KINDS[k][1] for k in kind]),
        pl.lit("浙江省信用中心").alias("认定机关"),
        pl.Series("决定日期", decided).cast(pl.Date),
        pl.Series(
            "有效期至", decided + np.where(kind == "commendation", 3 * 365, 5 * 365).astype("timedelta64[D]")
        ).cast(pl.Date),
    ).select("记录编号", "主体类别", "主体代码", "主体名称", "记录类别", "记录内容", "认定机关", "决定日期", "有效期至")


# --- everything ---------------------------------------------------------------------------


def generate(scale: Scale, seed: int = 2017, province: str = "330000") -> Frames:
    rng = np.random.default_rng(seed)
    persons = generate_persons(rng, scale.persons, province)
    legal = generate_legal_persons(rng, scale.legal_persons, persons, province)
    return Frames(
        persons=persons,
        social_security=social_security(rng, persons, legal),
        marriage=marriages(persons),
        education=education(rng, persons),
        legal_persons=legal,
        credit=credit_records(rng, persons, legal),
    )


def write_files(frames: Frames, folder: str, fmt: str = "parquet") -> dict[str, str]:
    """The frames as files (CSV or Parquet), for benchmarks and other tools."""
    from pathlib import Path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, frame in (
        ("persons", frames.persons.select(PERSON_COLUMNS)),
        ("social_security", frames.social_security),
        ("marriage", frames.marriage),
        ("education", frames.education),
        ("legal_persons", frames.legal_persons),
        ("credit", frames.credit),
    ):
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            frame.write_csv(path)
        else:
            frame.write_parquet(path)
        written[name] = str(path)
    return written
