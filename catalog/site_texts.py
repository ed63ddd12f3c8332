"""Each kind of site's own header and start text: a bank service point or a pickup locker is not the hall."""
from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# key: (zh_CN, en); "<key>.<site>" replaces "<key>" at that kind of site
SITE_MESSAGES: dict[str, tuple[str, str]] = {
    "app.title.bank": ("不动产抵押登记服务点", "Mortgage Registration Service Point"),
    "attract.services.bank": ("可以办理抵押登记签字、查询办理进度、打印不动产登记证明",
                              "Sign a mortgage registration, check your case, print the registration proof"),
    "app.title.locker": ("不动产权证书自助取件柜", "Certificate Pickup Locker"),
    "attract.services.locker": ("凭短信取件码和本人身份证领取不动产权证书",
                                "Collect your certificate with the code from your text message and your ID card"),
}

SITE_KEYS = frozenset({"app.title", "attract.services"})


def site_of(services) -> str:
    """"bank" (a mortgage service point), "locker" (pickup only) or "hall", from the services the site offers."""
    services = tuple(services)
    if "mortgage_signing" in services:
        return "bank"
    if services == ("pickup",):
        return "locker"
    return "hall"


def site_key(key: str, site: str) -> str:
    """The key of the site's own version of a text, if it has one."""
    if key in SITE_KEYS and f"{key}.{site}" in SITE_MESSAGES:
        return f"{key}.{site}"
    return key
