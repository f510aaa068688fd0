// Progressive enhancement for an import's page (templates/records/imports/detail.html):
// polls the run's progress as JSON and updates the bar and its text without reloading the
// page; once the import has finished, reloads the page once to show the report. Without
// JavaScript the page refreshes itself instead (a <noscript> meta refresh).

const POLL_MILLISECONDS = 2000;
const numbers = new Intl.NumberFormat("en-GB");

function describe(progress) {
  if (progress.status === "queued" && !progress.done) {
    return "Waiting to start";
  }
  if (progress.total) {
    return `${numbers.format(progress.done)} of ${numbers.format(progress.total)} rows`;
  }
  return `${numbers.format(progress.done)} rows`;
}

function show(root, progress) {
  const bar = root.querySelector("progress");
  const text = root.querySelector("[data-progress-text]");
  const status = root.querySelector("[data-progress-status]");
  if (progress.total) {
    bar.max = progress.total;
    bar.value = progress.done;
  } else {
    bar.removeAttribute("value");
  }
  bar.textContent = describe(progress);
  text.textContent = describe(progress);
  if (status) {
    status.textContent = progress.status_label;
  }
}

function watch(root) {
  const url = root.dataset.progressUrl;
  const poll = async () => {
    let progress;
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        throw new Error(`progress: HTTP ${response.status}`);
      }
      progress = await response.json();
    } catch {
      // The server may be restarting: reload the page, which also shows any error.
      window.setTimeout(() => window.location.reload(), POLL_MILLISECONDS);
      return;
    }
    if (progress.finished) {
      window.location.reload();
      return;
    }
    show(root, progress);
    window.setTimeout(poll, POLL_MILLISECONDS);
  };
  window.setTimeout(poll, POLL_MILLISECONDS);
}

for (const root of document.querySelectorAll('[data-module="app-import-progress"]')) {
  watch(root);
}
