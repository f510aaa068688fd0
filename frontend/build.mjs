// Copies GOV.UK Frontend's JavaScript and images, and alphagov's accessible-autocomplete,
// into static_build/ and writes js/init.js.
//
// Runs after sass has compiled static_build/css/application.css (see `npm run build`), then
// checks that every url() in that stylesheet points at a file that exists under static_build/,
// so a missing asset fails the build rather than a page. The GDS Transport fonts are not
// copied: a council service does not use them (frontend/scss/application.scss turns them off).

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const autocomplete = join(root, "node_modules", "accessible-autocomplete", "dist");
const out = join(root, "static_build");
const stylesheet = join(out, "css", "application.css");

function copyFrontend() {
  const js = join(out, "js");
  const assets = join(out, "govuk", "assets");
  rmSync(join(out, "govuk"), { recursive: true, force: true });
  mkdirSync(js, { recursive: true });
  mkdirSync(assets, { recursive: true });

  for (const name of ["govuk-frontend.min.js", "govuk-frontend.min.js.map"]) {
    cpSync(join(govuk, name), join(js, name));
  }
  // Its stylesheet is compiled into application.css (frontend/scss/application.scss).
  for (const name of ["accessible-autocomplete.min.js", "accessible-autocomplete.min.js.map"]) {
    cpSync(join(autocomplete, name), join(js, name));
  }
  cpSync(join(govuk, "assets", "images"), join(assets, "images"), { recursive: true });
  writeFileSync(join(js, "init.js"), INIT);
}

// GOV.UK Frontend's components, then each long select marked data-module="app-autocomplete"
// (the school pickers, records/sections/schools.py) enhanced into an accessible autocomplete.
// Without JavaScript, or where the script fails to load, the select stays as it is. The
// autocomplete's script is a UMD bundle that sets self.accessibleAutocomplete; it is loaded
// only on a page that has such a select.
const INIT = `import { initAll } from "./govuk-frontend.min.js";

initAll();

// A conditional reveal shared by several options of one set of radios (data-app-reveal-for:
// their values), which GOV.UK Frontend's radios cannot show (they tie a reveal to one input).
for (const reveal of document.querySelectorAll("[data-app-reveal-for]")) {
  const values = reveal.dataset.appRevealFor.split(" ");
  const form = reveal.closest("form");
  const radios = [...form.querySelectorAll('input[type="radio"]')].filter(
    (radio) => radio.name === reveal.dataset.appRevealName,
  );
  // No aria-expanded: ARIA does not allow it on a radio (axe-core's aria-allowed-attr).
  const sync = () => {
    const shown = radios.some((radio) => radio.checked && values.includes(radio.value));
    reveal.classList.toggle("govuk-radios__conditional--hidden", !shown);
  };
  for (const radio of radios) radio.addEventListener("change", sync);
  sync();
}

const selects = document.querySelectorAll('select[data-module="app-autocomplete"]');
if (selects.length > 0) {
  import("./accessible-autocomplete.min.js").then(() => {
    for (const selectElement of selects) {
      self.accessibleAutocomplete.enhanceSelectElement({
        selectElement,
        defaultValue: "",
      });
    }
  });
}
`;

function missingStylesheetUrls() {
  const css = readFileSync(stylesheet, "utf8");
  const urls = [...css.matchAll(/url\(\s*(['"]?)(.*?)\1\s*\)/g)].map((match) => match[2]);
  return urls
    .filter((url) => !url.startsWith("data:") && !url.startsWith("#"))
    .filter((url) => !existsSync(resolve(dirname(stylesheet), url.split(/[?#]/)[0])));
}

if (!existsSync(stylesheet)) {
  console.error(`${stylesheet} is missing: run "npm run build" to compile the Sass first.`);
  process.exit(1);
}
copyFrontend();
const missing = missingStylesheetUrls();
if (missing.length > 0) {
  console.error(`application.css refers to files that were not copied:\n  ${missing.join("\n  ")}`);
  process.exit(1);
}
console.log("static_build/: GOV.UK Frontend JavaScript and images copied, js/init.js written.");
