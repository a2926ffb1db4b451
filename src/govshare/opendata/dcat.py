"""DCAT-AP 3.0 export of the open datasets (Turtle, JSON-LD, RDF/XML), the whole catalog by
pages and one dataset at a time. The catalog guide's fields map onto DCAT as documented in
docs/opendata.md ("DCAT mapping"); controlled values use the EU vocabularies DCAT-AP names
(frequency, file type, access right, language) so harvesters understand them.

Every node a property points at carries its class and, for vocabulary concepts, its scheme and
label, because the official SHACL shapes check those in the exported graph itself.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from govshare.opendata.metadata import DOWNLOAD_FORMATS, Meta
from govshare.opendata.models import Access

DCATAP = Namespace("http://data.europa.eu/r5r/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EU = "http://publications.europa.eu/resource/authority/"
FREQUENCY = {
    "realtime": "CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "half_yearly": "ANNUAL_2",
    "yearly": "ANNUAL",
    "irregular": "IRREG",
    "other": "OTHER",
}
FILE_TYPE = {"csv": "CSV", "xlsx": "XLSX", "json": "JSON", "parquet": "PARQUET"}
MEDIA_TYPE = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}
SERIALISATIONS = {
    "ttl": ("turtle", "text/turtle; charset=utf-8"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("xml", "application/rdf+xml"),
}
PAGE_SIZE = 500
# The guide's domains (3-digit class) on the EU data themes harvesters facet by; GOVE otherwise.
DATA_THEME = {
    "101": "SOCI",
    "102": "ECON",
    "103": "REGI",
    "104": "ECON",
    "105": "GOVE",
    "201": "GOVE",
    "202": "HEAL",
    "203": "SOCI",
    "204": "HEAL",
    "205": "JUST",
    "206": "ECON",
    "207": "ENER",
    "208": "ECON",
    "209": "REGI",
    "210": "SOCI",
    "211": "ENVI",
    "212": "JUST",
    "213": "ECON",
    "214": "ECON",
    "215": "TRAN",
    "216": "EDUC",
    "217": "EDUC",
}


def _graph() -> Graph:
    g = Graph()
    for prefix, ns in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("skos", SKOS),
        ("dcatap", DCATAP),
        ("vcard", VCARD),
        ("adms", ADMS),
    ):
        g.bind(prefix, ns)
    return g


def _concept(g: Graph, scheme: str, code: str, label: str, kind: URIRef | None = None) -> URIRef:
    node = URIRef(f"{EU}{scheme}/{code}")
    g.add((node, RDF.type, SKOS.Concept))
    if kind is not None:
        g.add((node, RDF.type, kind))
    g.add((node, SKOS.inScheme, URIRef(f"{EU}{scheme}")))
    g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
    return node


def _agent(g: Graph, base: str, meta: Meta) -> URIRef:
    node = URIRef(f"{base}/open/departments/{meta.provider.id}")
    g.add((node, RDF.type, FOAF.Agent))
    g.add((node, FOAF.name, Literal(meta.provider.name, lang="zh")))
    g.add((node, DCTERMS.identifier, Literal(meta.provider.uscc)))
    return node


def _licence(g: Graph, meta: Meta) -> URIRef:
    key, zh, _en, url = meta.licence
    node = URIRef(url or f"urn:licence:{key}")
    g.add((node, RDF.type, DCTERMS.LicenseDocument))
    g.add((node, DCTERMS.title, Literal(zh, lang="zh")))
    return node


def add_dataset(g: Graph, base: str, meta: Meta) -> URIRef:
    """One dataset with its distributions; returns its IRI."""
    v, r = meta.version, meta.resource
    page = f"{base}/open/datasets/{meta.name}"
    ds = URIRef(page)
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.identifier, Literal(r.code)))  # 信息资源代码
    g.add((ds, DCTERMS.title, Literal(v.name, lang="zh")))  # 信息资源名称
    g.add((ds, DCTERMS.description, Literal(v.summary or v.name, lang="zh")))  # 信息资源摘要
    g.add((ds, DCTERMS.publisher, _agent(g, base, meta)))  # 信息资源提供方
    landing = URIRef(page)
    g.add((ds, DCAT.landingPage, landing))
    g.add((landing, RDF.type, FOAF.Document))
    if meta.class_name:
        g.add((ds, DCAT.keyword, Literal(meta.class_name, lang="zh")))  # 信息资源分类
    theme = URIRef(f"{base}/open/themes/{v.class_code}")
    g.add((ds, DCAT.theme, theme))
    g.add((theme, RDF.type, SKOS.Concept))
    g.add((theme, SKOS.prefLabel, Literal(meta.class_name or v.class_code, lang="zh")))
    g.add((theme, SKOS.inScheme, URIRef(f"{base}/open/themes")))
    eu_theme = DATA_THEME.get(v.class_code[:3], "GOVE")
    g.add((ds, DCAT.theme, _concept(g, "data-theme", eu_theme, eu_theme)))
    if v.update_cycle:  # 更新周期
        g.add(
            (
                ds,
                DCTERMS.accrualPeriodicity,
                _concept(g, "frequency", FREQUENCY[v.update_cycle.value], v.update_cycle.value, DCTERMS.Frequency),
            )
        )
    if meta.issued:  # 发布日期
        g.add((ds, DCTERMS.issued, Literal(meta.issued.isoformat(), datatype=XSD.date)))
    if meta.modified:
        g.add((ds, DCTERMS.modified, Literal(meta.modified.replace(microsecond=0).isoformat(), datatype=XSD.dateTime)))
    access = "PUBLIC" if meta.release.access == Access.OPEN else "RESTRICTED"
    g.add(
        (ds, DCTERMS.accessRights, _concept(g, "access-right", access, access.lower(), DCTERMS.RightsStatement))
    )  # 开放属性
    if v.open_conditions:  # 开放条件
        rights = BNode()
        g.add((rights, RDF.type, DCTERMS.RightsStatement))
        g.add((rights, RDFS_LABEL, Literal(v.open_conditions, lang="zh")))
        g.add((ds, DCTERMS.rights, rights))
    g.add((ds, DCTERMS.language, _concept(g, "language", "ZHO", "Chinese", DCTERMS.LinguisticSystem)))
    spatial = URIRef(f"{base}/open/regions/{r.region_code}")
    g.add((spatial, RDF.type, DCTERMS.Location))
    g.add((ds, DCTERMS.spatial, spatial))
    g.add((ds, DCTERMS.spatial, _concept(g, "country", "CHN", "China", DCTERMS.Location)))
    g.add((ds, ADMS.versionNotes, Literal(f"catalog version {v.number}", lang="en")))
    for other in meta.related:  # 关联资源代码 (open ones only)
        g.add((ds, DCTERMS.relation, URIRef(f"{base}/open/datasets/{other.code.replace('/', '-').lower()}")))
    if meta.data is not None:
        for fmt in DOWNLOAD_FORMATS:
            g.add((ds, DCAT.distribution, _distribution(g, base, meta, fmt)))
    return ds


RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")


def _distribution(g: Graph, base: str, meta: Meta, fmt: str) -> URIRef:
    url = f"{base}/open/datasets/{meta.name}/download.{fmt}"
    dist = URIRef(url + "#distribution")
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add((dist, DCAT.accessURL, URIRef(f"{base}/open/datasets/{meta.name}")))
    g.add((dist, DCAT.downloadURL, URIRef(url)))
    g.add((dist, DCTERMS.title, Literal(f"{meta.version.name} ({fmt.upper()})", lang="zh")))
    g.add((dist, DCTERMS.format, _concept(g, "file-type", FILE_TYPE[fmt], fmt.upper(), DCTERMS.MediaTypeOrExtent)))
    media = URIRef(f"https://www.iana.org/assignments/media-types/{MEDIA_TYPE[fmt]}")
    g.add((media, RDF.type, DCTERMS.MediaType))
    g.add((dist, DCAT.mediaType, media))
    g.add((dist, DCTERMS.license, _licence(g, meta)))
    if meta.modified:
        g.add(
            (dist, DCTERMS.modified, Literal(meta.modified.replace(microsecond=0).isoformat(), datatype=XSD.dateTime))
        )
    if fmt == "csv":
        schema = URIRef(f"{base}/open/datasets/{meta.name}/datapackage.json")
        g.add((schema, RDF.type, DCTERMS.Standard))
        g.add((dist, DCTERMS.conformsTo, schema))
    return dist


def catalog_graph(
    base: str, node_name: str, metas: list[Meta], page: int | None = None, pages: int | None = None
) -> Graph:
    g = _graph()
    cat = URIRef(f"{base}/catalog")
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal(f"{node_name} 政府数据开放目录", lang="zh")))
    g.add((cat, DCTERMS.title, Literal(f"{node_name} open government data", lang="en")))
    g.add((cat, DCTERMS.description, Literal("以共享为原则、开放为方向的政务数据开放目录（govshare）", lang="zh")))
    publisher = URIRef(f"{base}/open")
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(node_name, lang="zh")))
    g.add((cat, DCTERMS.publisher, publisher))
    home = URIRef(f"{base}/open")
    g.add((home, RDF.type, FOAF.Document))
    g.add((cat, FOAF.homepage, home))
    g.add((cat, DCTERMS.language, _concept(g, "language", "ZHO", "Chinese", DCTERMS.LinguisticSystem)))
    themes = URIRef(f"{base}/open/themes")
    g.add((themes, RDF.type, SKOS.ConceptScheme))
    g.add((themes, DCTERMS.title, Literal("政务信息资源分类", lang="zh")))
    g.add((cat, DCAT.themeTaxonomy, themes))
    eu_themes = URIRef(f"{EU}data-theme")
    g.add((eu_themes, RDF.type, SKOS.ConceptScheme))
    g.add((eu_themes, DCTERMS.title, Literal("Data theme", lang="en")))
    g.add((cat, DCAT.themeTaxonomy, eu_themes))
    for meta in metas:
        g.add((cat, DCAT.dataset, add_dataset(g, base, meta)))
    if page is not None and pages is not None:  # Hydra paging, as harvesters of paged DCAT expect
        hydra = Namespace("http://www.w3.org/ns/hydra/core#")
        g.bind("hydra", hydra)
        view = URIRef(f"{base}/catalog.ttl?page={page}")
        g.add((view, RDF.type, hydra.PartialCollectionView))
        g.add((view, hydra.first, URIRef(f"{base}/catalog.ttl?page=1")))
        g.add((view, hydra.last, URIRef(f"{base}/catalog.ttl?page={pages}")))
        if page < pages:
            g.add((view, hydra.next, URIRef(f"{base}/catalog.ttl?page={page + 1}")))
    return g


def dataset_graph(base: str, meta: Meta) -> Graph:
    g = _graph()
    add_dataset(g, base, meta)
    return g


def serialise(g: Graph, ext: str) -> tuple[bytes, str]:
    fmt, media = SERIALISATIONS[ext]
    data = g.serialize(format=fmt, encoding="utf-8")
    return data, media
