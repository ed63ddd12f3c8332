"""The message catalog (zh_CN, en): a neutral package that both the headless core (kiosk/) and the screens import."""
