"""The Kivy touch UI: one screen per step, one .kv file per screen; renders the session view and sends intents."""
