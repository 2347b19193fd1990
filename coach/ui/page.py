"""What the page runs in the browser besides Gradio's own: the small js handlers the app
wires to its events, and the theme."""

from __future__ import annotations

import gradio as gr

# Sign-out posts to coach.ui.web's ``logout``: a form, so the browser follows the redirect
# to the sign-in page and drops everything this page held.
SIGN_OUT_JS = """() => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = new URL("logout", document.baseURI).href;
  document.body.appendChild(form);
  form.submit();
}"""
NEW_TURN_ID_JS = """(session, text, _turn) => [session, text,
  (crypto.randomUUID ? crypto.randomUUID() : Date.now() + "-" + Math.random())]"""
# Frontend only: a sent reply makes the last hint out of date, so it goes.
CLEAR_HINT_JS = "() => ''"
# Where focus goes when the page opens (the page's heading) and once a session has ended
# (the report's first heading): it would otherwise fall to the page's <body>, and a
# keyboard or screen-reader user would have to find their place again.
FOCUS_JS = """(selector) => {
  const focus = (tries) => {
    const el = document.querySelector(selector);
    if (el && el.offsetParent !== null) {
      if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
      el.focus({preventScroll: false});
    } else if (tries > 0) {
      setTimeout(() => focus(tries - 1), 100);
    }
  };
  focus(30);
}"""


def focus_js(selector: str) -> str:
    """A js event handler that moves focus to the first element ``selector`` finds, once
    it is shown."""
    return f"() => ({FOCUS_JS})({selector!r})"


def theme() -> gr.themes.Base:
    """The Soft theme with text dark enough to read (WCAG AA contrast, checked with
    axe-core in the browser test): its stock labels and buttons are too pale."""
    return gr.themes.Soft().set(
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        block_label_text_color="*primary_800",
        block_title_text_color="*primary_800",
        block_info_text_color="*neutral_700",
        body_text_color_subdued="*neutral_600",
        color_accent="*primary_700",
    )
