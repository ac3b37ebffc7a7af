"""The app's look: theme, CSS and the small script that makes citation links navigate in-app.

System CJK fonts only: the app is used offline, so nothing is fetched from a font service.
"""

from __future__ import annotations

import gradio as gr

FONTS = [
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "system-ui",
    "sans-serif",
]
MONO = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def theme() -> gr.themes.Base:
    return gr.themes.Soft(
        primary_hue="red", secondary_hue="amber", neutral_hue="stone", font=FONTS, font_mono=MONO
    ).set(
        block_label_background_fill="*neutral_100",
        block_label_text_color="*neutral_700",
        block_title_background_fill="*neutral_100",
        block_title_text_color="*neutral_700",
    )


# Runs once per HTML view (`element` is the view). Clicks on citation / bulletin links become
# `click` events with the id, which the app answers by opening the citation or browse tab; with a
# modifier key the link's href (?cite=ID&quote=…) opens in a new tab instead. In the citation view
# it also scrolls the quoted sentence (mark.quoted), or else the highlighted passage, to the middle
# of the screen whenever the view changes, and in the chat it scrolls to the start of the newest
# turn (its short answer) rather than to the bottom.
NAV_JS = """
element.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-cite], a[data-bulletin]');
  if (!a || !element.contains(a)) return;
  if (e.ctrlKey || e.metaKey || e.shiftKey || e.altKey || e.button !== 0) return;
  e.preventDefault();
  if (a.dataset.cite) trigger('click', {cite: a.dataset.cite, quote: a.dataset.quote || ''});
  else trigger('click', {bulletin: a.dataset.bulletin});
});
// the quoted sentence (else the passage) to the middle of the screen, once the new value is
// rendered and laid out (watch runs before the DOM is updated; the tab may still be hidden)
const reveal = (tries) => {
  const m = element.querySelector('mark.quoted') || element.querySelector('mark.cited');
  if (m && m.getClientRects().length) m.scrollIntoView({block: 'center', behavior: 'smooth'});
  else if (m && tries > 0) setTimeout(() => reveal(tries - 1), 100);
};
setTimeout(() => reveal(30), 150);  // a view mounted with its value (a tab opened the first time)
watch('value', () => {
  setTimeout(() => reveal(30), 150);
  const turns = element.querySelectorAll('.conversation .turn');
  if (turns.length && element.closest('#conversation')) {
    // the page scrolls, not a panel inside it: bring the newest turn's start into sight
    const t = turns[turns.length - 1];
    const top = t.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight - 120) window.scrollBy({top: top - 8, behavior: 'smooth'});
  }
});
"""

APP_CSS = """
.gradio-container { max-width: 1280px !important; width: 100% !important; margin: 0 auto; }
#app-header .app-header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap;
  padding: 6px 2px 10px; border-bottom: 3px solid #b91c1c; margin-bottom: 4px; }
.app-header .title { font-size: 28px; font-weight: 700; color: #b91c1c; letter-spacing: 2px; }
.app-header .subtitle { color: #57534e; font-size: 14px; }
.app-header .index-info { margin-left: auto; color: #78716c; font-size: 13px; }

#conversation { min-height: 420px; border: 1px solid #e7e5e4;
  border-radius: 10px; padding: 14px; background: #fafaf9; }
.empty-chat { text-align: center; color: #78716c; padding: 90px 20px; line-height: 1.9; }
.empty-chat .big { font-size: 22px; color: #44403c; font-weight: 600; margin-bottom: 6px; }
.turn { margin-bottom: 18px; }
.turn .q { display: flex; flex-direction: column; align-items: flex-end; margin-bottom: 8px; }
.turn .q .bubble { background: #b91c1c; color: #fff; padding: 8px 14px; border-radius: 14px 14px 2px 14px;
  max-width: 80%; white-space: pre-wrap; font-size: 15px; }
.turn .q-filters { font-size: 12px; color: #78716c; margin-top: 3px; }
.answer { background: #fff; border: 1px solid #e7e5e4; border-radius: 4px 14px 14px 14px; padding: 12px 16px;
  box-shadow: 0 1px 2px rgba(0,0,0,.04); }
.answer .label { font-size: 12px; color: #a8a29e; letter-spacing: 1px; margin-bottom: 2px; }
.answer .short { font-size: 16px; line-height: 1.75; color: #1c1917; margin-bottom: 10px; }
.answer .short.abstain { color: #92400e; background: #fffbeb; border-left: 3px solid #f59e0b; padding: 6px 10px; }
.answer.error { color: #991b1b; background: #fef2f2; border-color: #fecaca; }
.answer.pending { color: #57534e; display: flex; align-items: center; gap: 10px; }
.spinner { width: 16px; height: 16px; border: 2px solid #fecaca; border-top-color: #b91c1c; border-radius: 50%;
  animation: spin .8s linear infinite; display: inline-block; }
@keyframes spin { to { transform: rotate(360deg); } }
.evidence ul { list-style: none; padding-left: 0; margin: 4px 0 10px; }
.evidence li { border-left: 3px solid #fca5a5; padding: 4px 10px; margin: 6px 0; background: #fff7f7;
  line-height: 1.7; }
.evidence .quote { color: #292524; }
.evidence .ev-src { font-size: 12px; color: #78716c; }
a.ref { display: inline-block; font-weight: 600; color: #b91c1c !important; text-decoration: none !important;
  margin: 0 2px; padding: 0 3px; border-radius: 4px; cursor: pointer; }
a.ref:hover { background: #fee2e2; }
details.hits { margin-top: 6px; }
details.hits > summary { cursor: pointer; color: #57534e; font-size: 13px; padding: 4px 0; }
ol.passages { list-style: none; padding-left: 0; margin: 4px 0 0; }
li.passage { border: 1px solid #f5f5f4; border-radius: 8px; padding: 8px 10px; margin: 6px 0; background: #fcfcfb; }
.p-head { display: flex; align-items: baseline; gap: 6px; font-size: 13px; }
.p-num { color: #b91c1c; font-weight: 700; }
a.cite { color: #1d4ed8 !important; text-decoration: none !important; cursor: pointer; flex: 1; text-align: left; }
a.cite:hover { text-decoration: underline !important; }
.score { margin-left: auto; font-size: 12px; color: #57534e; background: #f5f5f4; border-radius: 10px;
  padding: 0 8px; white-space: nowrap; }
.p-text { font-size: 14px; line-height: 1.75; color: #292524; margin: 4px 0; }
.p-meta { font-size: 12px; color: #78716c; }
.p-meta .sep { margin: 0 6px; color: #d6d3d1; }
code.cid, .cite-view code { font-size: 12px; background: #f5f5f4; padding: 0 4px; border-radius: 4px; }
mark.term { background: #fef08a; color: inherit; padding: 0 1px; border-radius: 2px; }
span.quoted { text-decoration: underline; text-decoration-color: #f87171; text-underline-offset: 3px; }

#filters { background: #fafaf9; border: 1px solid #e7e5e4; border-radius: 10px; padding: 10px; }
.side-title { font-weight: 600; color: #44403c; }
.side-note { font-size: 12px; color: #78716c; line-height: 1.6; }

.cite-view { background: #fff; border: 1px solid #e7e5e4; border-radius: 10px; padding: 18px 24px;
  }
.cv-bulletin { display: flex; gap: 12px; align-items: baseline; color: #78716c; font-size: 13px;
  border-bottom: 1px solid #f5f5f4; padding-bottom: 6px; }
.cv-bulletin .pub { color: #b91c1c; font-weight: 600; }
a.blink { color: #1d4ed8 !important; text-decoration: none !important; cursor: pointer; }
.cv-bulletin a.blink { margin-left: auto; }
.cite-view h2 { font-size: 22px; margin: 12px 0 4px; color: #1c1917; }
.cite-view .subtitle { color: #57534e; font-size: 15px; }
.cite-view .section { display: inline-block; margin-top: 10px; font-size: 12px; color: #fff; background: #b91c1c;
  padding: 1px 8px; border-radius: 3px; }
table.meta { font-size: 13px; margin: 10px 0 14px; border-collapse: collapse; border: none !important;
  width: auto !important; }
table.meta th { text-align: left; color: #78716c; font-weight: normal; padding: 2px 14px 2px 0 !important;
  white-space: nowrap; border: none !important; background: none !important; }
table.meta td { padding: 2px 0 !important; color: #292524; border: none !important; }
table.meta tr { border: none !important; background: none !important; }
.cite-view .body p { line-height: 1.9; font-size: 15px; text-indent: 0; margin: 8px 0; }
.cite-view .body p.in-passage { background: #fffbeb; border-radius: 4px; }
.cite-view .pn { display: inline-block; width: 2em; color: #a8a29e; font-size: 12px; }
mark.cited { background: #fde68a; color: inherit; padding: 2px 0; box-shadow: 0 0 0 2px #fde68a; }
mark.cited mark.quoted { background: #fdba74; color: #1c1917; font-weight: 600; padding: 2px 0;
  box-shadow: 0 0 0 2px #fdba74; text-decoration: underline; text-decoration-color: #b91c1c;
  text-decoration-thickness: 2px; text-underline-offset: 4px; scroll-margin: 80px 0; }
.byline { color: #57534e; text-align: right; font-size: 14px; }
.placeholder { color: #78716c; padding: 40px 10px; text-align: center; }

ul.bcards { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
  gap: 12px; }
li.bcard { border: 1px solid #e7e5e4; border-radius: 10px; padding: 12px 14px; background: #fff; }
li.bcard a.btitle { font-weight: 600; font-size: 16px; }
.bwhen { color: #44403c; margin-top: 4px; }
.bcount { color: #78716c; font-size: 12px; margin-top: 4px; }
.blead { color: #292524; font-size: 13px; margin-top: 4px; line-height: 1.5; }
.bsrc { color: #a8a29e; font-size: 12px; }
.bulletin-view h2 { font-size: 20px; color: #1c1917; }
ol.articles { padding-left: 0; list-style: none; }
li.article { border-bottom: 1px solid #f5f5f4; padding: 8px 0; }
.art-head { display: flex; gap: 8px; align-items: baseline; }
.art-no { color: #a8a29e; font-size: 12px; min-width: 1.5em; }
a.art-title { color: #1c1917 !important; font-weight: 600; text-decoration: none !important; cursor: pointer; }
a.art-title:hover { color: #b91c1c !important; }
.art-meta { margin-left: auto; color: #78716c; font-size: 12px; }
.chips { font-size: 12px; color: #78716c; margin: 4px 0 0 2em; }
a.chip { display: inline-block; border: 1px solid #e7e5e4; border-radius: 10px; padding: 0 8px; margin: 2px;
  color: #1d4ed8 !important; text-decoration: none !important; cursor: pointer; }
li.article details { margin-left: 2em; font-size: 14px; }
.warn { color: #92400e; font-size: 13px; }

.lib-summary { color: #44403c; margin-bottom: 6px; }
table.library { width: 100%; border-collapse: collapse; font-size: 13px; border: 1px solid #e7e5e4 !important; }
table.library th { background: #f5f5f4 !important; text-align: left; padding: 6px 8px !important; color: #44403c;
  border: none !important; border-bottom: 1px solid #e7e5e4 !important; }
table.library td { border: none !important; border-top: 1px solid #f5f5f4 !important; padding: 6px 8px !important; }
table.library td.num { text-align: right; }
table.library tr { border: none !important; }
table.library tr.pending td { color: #92400e; background: #fffbeb; }
.ok { color: #166534; background: #dcfce7; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  white-space: nowrap; }
.todo { color: #92400e; background: #fef3c7; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  white-space: nowrap; }
.status { border-radius: 8px; padding: 10px 14px; margin-top: 6px; font-size: 14px; }
.status ul { margin: 4px 0 0; padding-left: 18px; }
.status.ok { background: #f0fdf4; border: 1px solid #bbf7d0; color: #14532d; }
.status.warn { background: #fffbeb; border: 1px solid #fde68a; color: #78350f; }
.status.error { background: #fef2f2; border: 1px solid #fecaca; color: #7f1d1d; }
.status .st-title { font-weight: 600; }
.status.note { background: #f5f5f4; border: 1px solid #e7e5e4; color: #44403c; }

.upload-guard:not(:empty) { color: #7f1d1d; background: #fef2f2; border-left: 3px solid #f87171; padding: 4px 10px;
  font-size: 14px; margin-top: 4px; }
/* the question box's hint (empty or too long question, bad date) */
.ask-hint { color: #92400e; background: #fffbeb; border-left: 3px solid #f59e0b; padding: 4px 10px; font-size: 14px; }
/* a pasted essay must not fill the chat: long questions are clipped (render.clip_question) */
.turn .q .bubble { overflow-wrap: anywhere; }

/* every tab as wide as the page: a tab's content does not shrink to fit its text */
#tabs, #tabs > .tabitem, #tab-browse, #tab-library, #tab-cite, #tab-chat { width: 100%; box-sizing: border-box; }
#browse-view, #library-table, #cite-view { width: 100%; }
.list-bar { align-items: center; flex-wrap: wrap; }
.pager-info { color: #57534e; font-size: 13px; margin: 4px 0 8px; }

/* the library table on a phone: one small card a row, each cell with its heading */
@media (max-width: 640px) {
  table.library { border: none !important; }
  table.library thead { display: none; }
  table.library, table.library tbody, table.library tr { display: block; width: 100%; box-sizing: border-box; }
  table.library tr { border: 1px solid #e7e5e4 !important; border-radius: 8px; margin: 0 0 8px; padding: 4px 0; }
  table.library td { display: inline-block; max-width: 100%; box-sizing: border-box; border: none !important;
    padding: 2px 10px !important; overflow-wrap: anywhere; }
  table.library td.src, table.library td.who, table.library td.when { display: block; width: 100%; }
  table.library td[data-label]::before { content: attr(data-label) "："; color: #78716c; }
  table.library td.num { text-align: left; }
  #conversation { min-height: 260px; padding: 8px; }
  .cite-view { padding: 12px; }
  ul.bcards { grid-template-columns: 1fr; }
  .p-meta, .p-head { overflow-wrap: anywhere; }
}
"""
