"""KioskApp: the screen manager, the theme, language, and the intents a touch sends to the core."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk import events as ev
from kiosk.session import SessionView, State
from catalog import i18n, site_texts
from screens.attract import AttractScreen
from screens.bank_signing import BankSigningScreen
from screens.bridge import ViewBridge
from screens.cases import CasesScreen
from screens.certificate_print import CertificatePrintScreen
from screens.done import DoneScreen
from screens.e_certificate import ECertificateScreen
from screens.fonts import register_font
from screens.help_notice import HELP_INTENTS, HelpNotice, help_callable
from screens.identify import IdentifyScreen
from screens.idle_warning import IdleWarning
from screens.maintenance import MaintenanceScreen
from screens.maintenance_camera import MaintenanceCameraScreen
from screens.maintenance_locker import MaintenanceLockerScreen
from screens.maintenance_log import MaintenanceLogScreen
from screens.maintenance_stock import MaintenanceStockScreen
from screens.menu import MenuScreen
from screens.mortgage_certificate import MortgageCertificateScreen
from screens.out_of_service import OutOfServiceScreen
from screens.pay import PayScreen
from screens.pickup_code import PickupCodeScreen
from screens.pickup_door import PickupDoorScreen
from screens.proof import ProofScreen
from screens.staff_pin import StaffPinScreen
from screens.staff_assist import ASSIST_INTENTS, StaffAssistScreen
from screens.rating_panel import RATING_INTENTS, RatingPanel
from screens.hall_queue import QUEUE_INTENTS, QueueScreen
from screens.guide import GUIDE_INTENTS, GuideScreen
from screens.transfers import TransfersScreen
from screens.verify import VerifyScreen
from screens.elderly_theme import ACCESSIBILITY_INTENTS, THEME_SIZES

logger = logging.getLogger(__name__)

KV_DIR = Path(__file__).resolve().parent / "kv"

# name -> class; each has kv/<name>.kv
SCREENS = {
    "attract": AttractScreen,
    "identify": IdentifyScreen,
    "verify": VerifyScreen,
    "menu": MenuScreen,
    "cases": CasesScreen,
    "done": DoneScreen,
    "out_of_service": OutOfServiceScreen,
    "maintenance": MaintenanceScreen,  # before the other maintenance pages: its kv holds their skeleton
    "maintenance_stock": MaintenanceStockScreen,
    "maintenance_locker": MaintenanceLockerScreen,
    "maintenance_log": MaintenanceLogScreen,
    "maintenance_camera": MaintenanceCameraScreen,
    "staff_pin": StaffPinScreen,
    "pay": PayScreen,
    "proof": ProofScreen,
    "transfers": TransfersScreen,
    "e_certificate": ECertificateScreen,
    "bank_signing": BankSigningScreen,
    "mortgage_certificate": MortgageCertificateScreen,
    "pickup_code": PickupCodeScreen,
    "pickup_door": PickupDoorScreen,
    "certificate_print": CertificatePrintScreen,
}
SCREENS["staff_assist"] = StaffAssistScreen  # a staff member vouches for the applicant (kiosk.staff_assist)
SCREENS["queue"] = QueueScreen  # kiosk.hall_queue; its kv is hall_queue.kv
SCREENS["guide"] = GuideScreen  # kiosk.guide

KV_FILES = {"queue": "hall_queue"}  # a screen whose kv file is not named after it

# The screen of each service's flow; a service without its own screen stays on the menu.
FLOW_SCREENS = {"case_status": "cases", "payment": "pay", "proof": "proof", "transfers": "transfers"}
FLOW_SCREENS["mortgage_signing"] = "bank_signing"
FLOW_SCREENS["e_certificate"] = "e_certificate"
FLOW_SCREENS["mortgage_certificate"] = "mortgage_certificate"
FLOW_SCREENS["pickup"] = "pickup_door"
FLOW_SCREENS["certificate_print"] = "certificate_print"

# What a touch may ask of the core. The screens name an intent; this table turns it into a session event.
INTENTS: dict[str, Callable[[str | None], ev.Event]] = {
    "start": lambda _: ev.StartRequested(),
    "back": lambda _: ev.BackRequested(),
    "cancel": lambda _: ev.CancelRequested(),
    "finish": lambda _: ev.FlowFinished("finished"),
    "continue": lambda _: ev.UserActivity(),
    "service": lambda service: ev.ServiceChosen(service or ""),
    "language": lambda language: ev.LanguageChanged(language or i18n.DEFAULT_LANGUAGE),
    "maintenance_exit": lambda _: ev.MaintenanceExited(),
    "maintenance_page": lambda page: ev.MaintenancePageChosen(page or "home"),
    # an answer to the running flow: arg "action" or "action:value" (choose:<case_id>, confirm, cancel)
    "flow": lambda arg: ev.FlowAnswer(*(arg or "").split(":", 1)),
    "pickup_digits": lambda digits: ev.PickupDigitsEntered(digits or ""),
    # a maintenance button: "verb" or "verb:value" (test:<device>, load_paper, deposit:<size>, door:<label>...)
    "desk": lambda action: ev.MaintenanceAction(action or ""),
}
INTENTS.update(HELP_INTENTS)  # call staff (screens.help_notice)
INTENTS.update(ASSIST_INTENTS)  # staff-assisted check (screens.staff_assist)
INTENTS.update(RATING_INTENTS)  # 好差评 (screens.rating_panel)
INTENTS.update(QUEUE_INTENTS)  # queue tickets (screens.hall_queue)
INTENTS.update(GUIDE_INTENTS)  # 办事指南 (screens.guide)
INTENTS.update(ACCESSIBILITY_INTENTS)  # 长辈模式 and the speech volume (screens.elderly_theme)

NORMAL = {
    "color_bg": [0.97, 0.96, 0.94, 1], "color_fg": [0.08, 0.08, 0.08, 1], "color_muted": [0.30, 0.30, 0.30, 1],
    "color_primary": [0.10, 0.29, 0.60, 1], "color_on_primary": [1, 1, 1, 1],
    "color_secondary": [0.85, 0.87, 0.90, 1], "color_on_secondary": [0.08, 0.08, 0.08, 1],
    "color_card": [1, 1, 1, 1], "color_border": [0.75, 0.76, 0.78, 1], "color_warn": [0.70, 0.12, 0.10, 1],
    "color_ok": [0.05, 0.45, 0.20, 1], "color_disabled": [0.80, 0.80, 0.80, 1],
    "color_on_disabled": [0.35, 0.35, 0.35, 1],
    "color_header": [0.10, 0.29, 0.60, 1], "color_on_header": [1, 1, 1, 1], "color_warn_bg": [1, 0.87, 0.55, 1],
}
HIGH_CONTRAST = {
    "color_bg": [0, 0, 0, 1], "color_fg": [1, 1, 1, 1], "color_muted": [0.92, 0.92, 0.92, 1],
    "color_primary": [1, 0.85, 0, 1], "color_on_primary": [0, 0, 0, 1],
    "color_secondary": [1, 1, 1, 1], "color_on_secondary": [0, 0, 0, 1],
    "color_card": [0.08, 0.08, 0.08, 1], "color_border": [1, 1, 1, 1], "color_warn": [1, 0.55, 0.45, 1],
    "color_ok": [0.5, 1, 0.5, 1], "color_disabled": [0.25, 0.25, 0.25, 1], "color_on_disabled": [0.85, 0.85, 0.85, 1],
    "color_header": [0, 0, 0, 1], "color_on_header": [1, 0.85, 0, 1], "color_warn_bg": [0.35, 0.2, 0, 1],
}


def screen_for(view: SessionView) -> str:
    pickup = pickup_screen(view)
    if pickup:
        return pickup
    if view.state == State.FLOW:
        return FLOW_SCREENS.get(view.service or "", "menu")
    if view.state == State.MAINTENANCE and view.maintenance_page != "home":
        return f"maintenance_{view.maintenance_page}"
    return view.state.value


def pickup_screen(view: SessionView) -> str | None:
    """A pickup locker's own screens: its attract screen asks for the code; the outcome shows on the door screen."""
    if view.state == State.PICKUP_CODE or (view.state == State.ATTRACT and view.pickup_only):
        return "pickup_code"
    if view.state == State.DONE and view.service == "pickup":
        return "pickup_door"
    return None


class KioskApp(App):
    language = StringProperty(i18n.DEFAULT_LANGUAGE)
    view = ObjectProperty(None, allownone=True)
    # type sizes in pixels on the 1080x1920 portrait screen; large_text scales them
    fs_huge = NumericProperty(96)
    fs_title = NumericProperty(64)
    fs_body = NumericProperty(44)
    fs_small = NumericProperty(36)
    fs_button = NumericProperty(52)
    button_height = NumericProperty(150)
    pad = NumericProperty(48)
    font_name = StringProperty("Roboto")
    color_bg = ListProperty(NORMAL['color_bg'])
    color_fg = ListProperty(NORMAL['color_fg'])
    color_muted = ListProperty(NORMAL['color_muted'])
    color_primary = ListProperty(NORMAL['color_primary'])
    color_on_primary = ListProperty(NORMAL['color_on_primary'])
    color_secondary = ListProperty(NORMAL['color_secondary'])
    color_on_secondary = ListProperty(NORMAL['color_on_secondary'])
    color_card = ListProperty(NORMAL['color_card'])
    color_border = ListProperty(NORMAL['color_border'])
    color_warn = ListProperty(NORMAL['color_warn'])
    color_ok = ListProperty(NORMAL['color_ok'])
    color_disabled = ListProperty(NORMAL['color_disabled'])
    color_on_disabled = ListProperty(NORMAL['color_on_disabled'])
    color_header = ListProperty(NORMAL['color_header'])
    color_on_header = ListProperty(NORMAL['color_on_header'])
    color_warn_bg = ListProperty(NORMAL['color_warn_bg'])
    offline = BooleanProperty(False)
    help_callable = BooleanProperty(False)  # the title bar offers 呼叫工作人员 (an applicant screen)
    elderly = BooleanProperty(False)  # 长辈模式 on screen (the session's view.elderly)
    speech_on = BooleanProperty(False)  # spoken prompts: the volume buttons are shown

    def __init__(self, ui, post: Callable[[ev.Event], None], initial_view: SessionView, font_path: Path,
                 on_ready: Callable[[], None] | None = None, required_devices=(), camera_preview=None, **kwargs):
        """camera_preview: kiosk.maintenance.preview.CameraPreview or None, the frames the maintenance camera page
        draws (a video stream, read only); everything else reaches the screens in the view, and every touch leaves
        them as one event through post."""
        super().__init__(**kwargs)
        self.title = "kiosk"
        self.ui = ui
        self.post = post
        self.initial_view = initial_view
        self.font_path = font_path
        self.on_ready = on_ready
        self.required_devices = frozenset(required_devices)
        self.camera_preview = camera_preview
        self.speech_on = bool(getattr(ui, "speech", False))
        self.language = initial_view.language
        # the bank's and the locker's own header and start text (catalog.site_texts)
        self.site = site_texts.site_of((*initial_view.services, *initial_view.services_unavailable))
        self._base_sizes = {name: getattr(self, name) for name in THEME_SIZES}
        self.apply_theme(getattr(initial_view, "elderly", False))
        self.manager: ScreenManager | None = None
        self.idle_warning: IdleWarning | None = None
        self.bridge = ViewBridge(self.render)
        self.started_at = time.monotonic()
        self.rendered_frame = 0

    # -- Kivy ----------------------------------------------------------------------------------------------------
    def build(self):
        self.font_name = register_font(self.font_path)
        Window.clearcolor = self.color_bg
        Builder.load_file(str(KV_DIR / "common.kv"))
        Builder.load_file(str(KV_DIR / "idle_warning.kv"))
        Builder.load_file(str(KV_DIR / "help_notice.kv"))
        Builder.load_file(str(KV_DIR / "rating_panel.kv"))
        root = FloatLayout()
        self.manager = ScreenManager(transition=NoTransition())
        for name, cls in SCREENS.items():
            Builder.load_file(str(KV_DIR / f"{KV_FILES.get(name, name)}.kv"))
            self.manager.add_widget(cls(name=name))
        root.add_widget(self.manager)
        self.idle_warning = IdleWarning()
        self.help_notice = HelpNotice()
        self.rating_panel = RatingPanel()
        Window.bind(on_touch_down=self._on_any_touch)
        return root

    def on_start(self):
        self.render(self.initial_view)
        # Interactive once the first frame with the attract screen has been drawn: the callback scheduled from
        # the first frame's clock tick runs on the next one, after that frame was drawn.
        Clock.schedule_once(lambda _dt: Clock.schedule_once(self._ready, 0), 0)

    def _ready(self, _dt):
        logger.info("ui ready: %s screen interactive %.2f s after the app started",
                    self.manager.current, time.monotonic() - self.started_at)
        if self.on_ready is not None:
            self.on_ready()

    # -- rendering (Kivy thread only; the bridge calls it) ----------------------------------------------------------
    def render(self, view: SessionView) -> None:
        self.view = view
        self.rendered_frame = Clock.frames_displayed  # layout settles in the frames after this
        if view.language != self.language:
            self.language = view.language
        if getattr(view, "elderly", False) != self.elderly:
            self.apply_theme(view.elderly)
        self.offline = not getattr(view, "online", True)
        name = screen_for(view)
        manager = self.manager
        if manager.current != name:
            manager.current_screen.deactivate()
            logger.debug("screen %s -> %s", manager.current, name)
            manager.current = name
            manager.current_screen.activate(view)
        manager.current_screen.render(view)
        self.help_callable = help_callable(view)
        self.rating_panel.show(root=self.root, view=view)  # under the help notice and the idle warning
        self.help_notice.show(root=self.root, view=view)
        self._render_idle_warning(view)

    def _render_idle_warning(self, view: SessionView) -> None:
        root = self.root
        shown = self.idle_warning.parent is not None
        if view.idle_warning:
            self.idle_warning.render(view)
            if not shown:
                root.add_widget(self.idle_warning)
        elif shown:
            root.remove_widget(self.idle_warning)

    def apply_theme(self, elderly: bool) -> None:
        """The site's look, or 长辈模式 (the largest text and high contrast) switched on screen; kv rebinds."""
        from screens.elderly_theme import theme_for

        self.elderly = bool(elderly)
        sizes, colours = theme_for(self.ui, self.elderly, self._base_sizes, NORMAL, HIGH_CONTRAST)
        for name, value in {**sizes, **colours}.items():
            setattr(self, name, value)
        if getattr(self, "manager", None) is not None:
            Window.clearcolor = self.color_bg
            self._rebuild_screens()

    def _rebuild_screens(self) -> None:
        """Every screen made again in the new sizes (kv applies them at creation, where a screen's own sizes win
        over the shared rules'); the current one is shown again by the next render."""
        manager = self.manager
        current = manager.current
        carried = manager.current_screen.carry()
        manager.current_screen.deactivate()
        for name, cls in SCREENS.items():
            old = manager.get_screen(name)
            manager.remove_widget(old)
            manager.add_widget(cls(name=name))
        manager.current = current
        if self.view is not None:
            manager.current_screen.activate(self.view)
            if carried is not None:
                manager.current_screen.restore(carried)
        shown = self.idle_warning is not None and self.idle_warning.parent is not None
        if shown:
            self.root.remove_widget(self.idle_warning)
        self.idle_warning = IdleWarning()

    # -- what screens and kv use ---------------------------------------------------------------------------------
    def text(self, key: str, *_bindings, **values) -> str:
        """Catalog text in the current language; kv passes app.language as an extra argument to rebind on change."""
        return i18n.text(site_texts.site_key(key, getattr(self, "site", "hall")), self.language, **values)

    def message(self, key: str | None) -> str:
        return i18n.message(key, self.language)

    def send_intent(self, intent: str, arg: str | None = None) -> None:
        make = INTENTS.get(intent)
        if make is None:
            logger.error("unknown intent %r", intent)
            return
        self.post(make(arg))

    def _on_any_touch(self, _window, _touch):
        self.post(ev.UserActivity())  # any touch keeps the applicant's session alive
        return False
