"""Base information libraries (基础信息库) and electronic certificates (电子证照)."""
