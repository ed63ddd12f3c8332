"""Carrying out single fleet commands: every command ends in a result, unknown ones included."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from kiosk import events as ev
from kiosk.fleet import CommandHandlers, execute, mask_logs
from kiosk.fleet.commands import MAX_LOG_CHARS


def test_service_mode_commands_post_the_session_event():
    posted = []
    handlers = CommandHandlers(post=posted.append)
    assert execute({"command_id": "C1", "kind": "out_of_service", "args": {"message": "停机"}}, handlers).ok
    assert execute({"command_id": "C2", "kind": "in_service", "args": {}}, handlers).ok
    assert posted == [ev.ServiceModeCommanded(in_service=False, message="停机"),
                      ev.ServiceModeCommanded(in_service=True, message="")]


def test_unknown_and_unsupported_commands_fail_cleanly():
    assert execute({"command_id": "C1", "kind": "format_disk"}, CommandHandlers()).detail == "unknown command"
    assert not execute({"command_id": "C2", "kind": "print_test_page"}, CommandHandlers()).ok
    assert not execute({"command_id": "C3", "kind": "out_of_service"}, CommandHandlers()).ok


def test_mask_logs_masks_id_numbers_and_keeps_the_newest_part():
    text = "x" * (MAX_LOG_CHARS + 50) + " 110105196108041235 end"
    masked = mask_logs(text)
    assert len(masked) == MAX_LOG_CHARS and masked.endswith("1101**********1235 end")


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["command_id", "kind", "args", "x"]),
                       st.none() | st.text(max_size=20) | st.integers() | st.dictionaries(st.text(max_size=5),
                                                                                          st.text(max_size=5))))
def test_any_reply_entry_gives_a_result(command):
    result = execute(command, CommandHandlers(post=lambda e: None, read_logs=lambda: ""))
    assert isinstance(result.ok, bool) and len(result.payload()["detail"]) <= 200


def test_agent_interval_comes_from_the_fleet_config():
    from config.schema import FleetConfig
    from kiosk.fleet import FleetAgent
    assert FleetAgent.from_config(FleetConfig(heartbeat_interval_s=12), client=None).interval_s == 12
