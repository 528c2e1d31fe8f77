/* A background job's progress page (templates/admin/job.html): polls the job's JSON status
   (core.admin.jobs.status_view) about once a second, moves the bar, and opens the result page
   when the job has ended. Plain JS, no library. */
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || box.dataset.finished === "1") return;
  var bar = document.getElementById("job-bar");
  var text = document.getElementById("job-text");
  var message = document.getElementById("job-message");
  var failures = 0;

  function show(state) {
    bar.style.width = state.percent + "%";
    bar.parentNode.setAttribute("aria-valuenow", state.percent);
    text.textContent = state.total
      ? state.done.toLocaleString("ko-KR") + " / " + state.total.toLocaleString("ko-KR") + "행 (" + state.percent + "%)"
      : state.status_label;
    if (state.message) message.textContent = state.message;
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        show(state);
        if (state.finished) {
          window.location.assign(state.result_url);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        failures += 1;
        window.setTimeout(poll, Math.min(10000, 1000 * Math.pow(2, failures)));
      });
  }

  window.setTimeout(poll, 500);
})();
