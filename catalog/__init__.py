"""The kiosk's texts (zh_CN, en) and the punctuation rules for breaking them: neutral, imported by core and screens."""
