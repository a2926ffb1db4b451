MESSAGES: dict[str, tuple[str, str]] = {
    "exchange": ("共享交换", "Exchange"),
}
