// wecom-app console: progressive enhancement only; every page works without it.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // Copy buttons: <button data-copy="text">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      var area = document.createElement("textarea");
      area.value = text; document.body.appendChild(area); area.select();
      try { document.execCommand("copy"); done(); } finally { area.remove(); }
    }
  });

  // Forms that ask first: <form data-confirm="question">.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // The manager scope only matters for the manager role.
  document.querySelectorAll("[data-role-form]").forEach(function (form) {
    var role = form.querySelector('select[name="role"]');
    var scope = form.querySelector("[data-scope]");
    var sync = function () { scope.hidden = role.value !== "manager"; };
    role.addEventListener("change", sync); sync();
  });

  // Sync status: poll the JSON API while a sync is under way, reload when it ends.
  var box = document.querySelector("[data-poll]");
  if (box && box.getAttribute("data-active") === "true") {
    var timer = setInterval(function () {
      fetch(box.getAttribute("data-poll"), { headers: { "Accept": "application/json", "X-CSRF-Token": csrf }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.sync) return;
          var s = data.sync;
          var bar = box.querySelector("progress");
          if (bar && s.percent !== null) { bar.value = s.percent; bar.textContent = s.percent + "%"; }
          var stage = box.querySelector('[data-field="stage"]'); if (stage) stage.textContent = s.stage || "—";
          var doneCount = box.querySelector('[data-field="done"]'); if (doneCount) doneCount.textContent = s.done;
          if (!s.active) { clearInterval(timer); window.location.reload(); }
        });
    }, 2000);
  }

  // A running transfer plan: poll its progress, update the counts, reload when it ends.
  var plan = document.querySelector("[data-live-plan]");
  if (plan) {
    var planTimer = setInterval(function () {
      fetch(plan.getAttribute("data-live-plan"), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.plan) return;
          ["customers", "chats"].forEach(function (kind) {
            Object.keys(data[kind] || {}).forEach(function (status) {
              var cell = plan.querySelector('[data-count="' + kind + ":" + status + '"]');
              if (cell) cell.textContent = data[kind][status];
            });
          });
          ["final", "total"].forEach(function (name) {
            var field = plan.querySelector('[data-field="' + name + '"]');
            if (field) field.textContent = data[name];
          });
          if (data.plan.status !== plan.getAttribute("data-status")) { clearInterval(planTimer); window.location.reload(); }
        });
    }, Number(plan.getAttribute("data-interval")) || 3000);
  }
})();
