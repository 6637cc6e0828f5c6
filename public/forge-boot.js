// Starts Forge's WebAssembly app. This is a file, not an inline script, so the page's
// Content-Security-Policy can forbid inline scripts altogether. Trunk writes the hashed names of
// the JavaScript glue and the .wasm into the data attributes of the <script> tag that loads this
// file (Trunk.toml, `pattern_script`).
const tag = document.querySelector("script[data-forge-js]");

function fail(error) {
  const text = document.getElementById("boot-text");
  if (text) {
    text.textContent =
      "Forge could not start. Reload the page; if it keeps failing, this browser may not support WebAssembly.";
  }
  console.error("Forge could not start:", error);
}

if (tag) {
  import(tag.dataset.forgeJs)
    .then((glue) => glue.default({ module_or_path: tag.dataset.forgeWasm }))
    .catch(fail);
} else {
  fail(new Error("the loader tag is missing from index.html"));
}
