"""Files over the upload limit are stopped in the page, with a Chinese message.

Gradio refuses a file over `launch(max_file_size=...)` in the browser with its own English toast
("File(s) exceed the maximum allowed size of …"), which its translations do not cover. This
script, run by the note under the upload area (`js_on_load`), looks at the files chosen or dropped
on the upload area before Gradio does (a listener on the document in the capture phase) and, when
one is over the app's own limit (`max_upload_mb`), keeps the choice from Gradio and says which file
and why under the upload area.
"""

from __future__ import annotations

import json

GUARD_CLASS = "upload-guard"


def too_big_message(limit_mb: int) -> str:
    return f"超过 {limit_mb} MB 的上限，没有上传：请拆分后再上传，或不选这些文件"


def upload_guard_js(limit_mb: int, target: str = "#upload-files") -> str:
    limit = max(1, limit_mb) * 1024 * 1024
    message = json.dumps(too_big_message(max(1, limit_mb)), ensure_ascii=False)
    sel = json.dumps(target)
    return f"""
const check = (files, e) => {{
  const box = document.querySelector('.{GUARD_CLASS}');
  const big = [...(files || [])].filter((f) => f.size > {limit});
  if (box) box.textContent = big.length ? big.map((f) => f.name).join('、') + '：' + {message} : '';
  if (!big.length) return;
  e.stopImmediatePropagation();
  e.preventDefault();
  if (e.target && 'value' in e.target) e.target.value = '';
}};
if (!window.__uploadGuard) {{  // once per page, whichever view mounts first
  window.__uploadGuard = true;
  document.addEventListener('change', (e) => {{
    if (e.target.matches && e.target.matches({sel} + ' input[type=file]')) check(e.target.files, e);
  }}, true);
  document.addEventListener('drop', (e) => {{
    if (e.target.closest && e.target.closest({sel}) && e.dataTransfer) check(e.dataTransfer.files, e);
  }}, true);
}}
"""
