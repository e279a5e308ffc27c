"""Scanning at the counter on a phone. Debian's chromium has no `BarcodeDetector` (it ships on Android, ChromeOS
and macOS), so the scan buttons stay hidden and the clerk types the card and the coupon code — the fallback.
Where the API exists, a scan fills the field: shown here with a stand-in detector and a stand-in camera (a
canvas stream) put into the page before it loads, so the page's own script is what is exercised."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from tests.browser.test_counter import find_member, fits_the_screen
from tests.browser.test_login import log_in
from tests.conftest import World
from tests.integration.web.test_counter_pages import referral


def test_without_barcode_detector_the_scan_buttons_stay_hidden_and_typing_works(phone: Page, world: World) -> None:
    data = referral(world)
    log_in(phone, world.a.actors["staff2"].username)
    assert phone.evaluate("'BarcodeDetector' in window") is False
    expect(phone.locator("#scan-card")).to_be_hidden()
    expect(phone.locator("#scanner")).to_be_hidden()
    find_member(phone, data["card_no"])  # typed
    expect(phone.locator("#member-phone")).to_have_text("139****0000")
    expect(phone.locator("#scan-code")).to_be_hidden()
    phone.fill("#f-code", data["coupon"]["code"].lower())  # typed, in any case
    phone.fill("#f-bill", "100")
    phone.click("#redeem-button")
    expect(phone.locator(".flash[role=status]")).to_contain_text("核销成功:到店立减20")
    assert fits_the_screen(phone)


FAKE_CAMERA = """
(() => {
  const value = %s;
  window.BarcodeDetector = class {
    static async getSupportedFormats() { return ["qr_code", "code_128"]; }
    constructor(options) { this.options = options; this.calls = 0; }
    async detect(source) {
      this.calls += 1;  // nothing in the first frames, then the code
      return this.calls < 3 ? [] : [{ rawValue: value, format: "qr_code" }];
    }
  };
  navigator.mediaDevices.getUserMedia = async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 64;
    canvas.getContext("2d").fillRect(0, 0, 64, 64);
    return canvas.captureStream(5);
  };
})();
"""


def test_a_scan_fills_the_card_and_looks_the_member_up(phone: Page, world: World) -> None:
    data = referral(world)
    phone.context.add_init_script(FAKE_CAMERA % json.dumps(data["card_no"]))
    log_in(phone, world.a.actors["staff2"].username)
    expect(phone.locator("#scan-card")).to_be_visible()
    phone.click("#scan-card")
    expect(phone.locator("#member-phone")).to_have_text("139****0000")  # filled and looked up
    expect(phone.locator("#scanner")).to_be_hidden()  # the camera is closed again
    expect(phone.locator("#f-card")).to_have_value(data["card_no"])
    expect(phone.locator("#scan-code")).to_be_visible()


def test_a_refused_camera_says_so_and_the_card_is_typed(phone: Page, world: World) -> None:
    data = referral(world)
    phone.context.add_init_script(FAKE_CAMERA % json.dumps("unused") + """
navigator.mediaDevices.getUserMedia = async () => { throw new DOMException("denied", "NotAllowedError"); };
""")
    log_in(phone, world.a.actors["staff2"].username)
    phone.click("#scan-card")
    expect(phone.locator("#scan-error")).to_have_text("无法打开摄像头,请手动输入卡号")
    expect(phone.locator("#scanner")).to_be_hidden()
    find_member(phone, data["card_no"])
    expect(phone.locator("#member-phone")).to_have_text("139****0000")
