/* Progressive enhancement for the upload page: drag-and-drop, one request per file with a
   progress bar, results that update themselves (htmx polls the batch fragments); and the
   review queue's keyboard. The plain forms work without this file. No inline script
   anywhere: CSP forbids it. */
(function () {
  "use strict";

  function csrf(form) {
    var field = form.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  function row(results, name) {
    var item = document.createElement("div");
    item.className = "batch pending";
    var label = document.createElement("span");
    label.className = "file-name";
    label.textContent = name;
    var bar = document.createElement("progress");
    bar.className = "progress";
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", name);
    item.appendChild(label);
    item.appendChild(bar);
    results.appendChild(item);
    return { item: item, bar: bar };
  }

  function send(form, file, results) {
    var shown = row(results, file.name);
    var data = new FormData();
    form.querySelectorAll("input, select").forEach(function (field) {
      if (field.type === "file" || !field.name) return;
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) return;
      data.append(field.name, field.value);
    });
    data.append("files", file, file.name);
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("HX-Request", "true");
    request.setRequestHeader("X-CSRF-Token", csrf(form));
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) shown.bar.value = Math.round((100 * event.loaded) / event.total);
    });
    request.addEventListener("load", function () {
      var holder = document.createElement("div");
      holder.innerHTML = request.responseText;
      var fragment = holder.querySelector(".batch");
      if (request.status >= 400 || !fragment) {
        shown.item.textContent = file.name + ": " + (request.status === 413 ? "too large" : "upload failed (" + request.status + ")");
        shown.item.className = "batch status-failed";
        return;
      }
      shown.item.replaceWith(fragment);
      if (window.htmx) window.htmx.process(fragment);
    });
    request.addEventListener("error", function () {
      shown.item.textContent = file.name + ": the connection failed";
      shown.item.className = "batch status-failed";
    });
    request.send(data);
  }

  function enhance(form) {
    var input = form.querySelector('input[type="file"]');
    var zone = form.querySelector(".dropzone");
    var results = document.getElementById("upload-results");
    if (!input || !zone || !results || !window.FormData || !window.XMLHttpRequest) return;

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) input.files = event.dataTransfer.files;
    });
    form.addEventListener("submit", function (event) {
      if (!input.files || !input.files.length) return;
      event.preventDefault();
      Array.prototype.forEach.call(input.files, function (file) { send(form, file, results); });
      input.value = "";
    });
  }

  /* The review queue's keyboard: j/k (or the arrow keys, in the queue) move between
     suggestions, a/r accept or reject the current one, x selects it, Shift+A / Shift+R
     decide on every selected one. The buttons and checkboxes the keys press are the page's
     own, so the keyboard does exactly what a click does. */
  function reviewKeys(queue) {
    var current = null; // the id of the current row
    var advanceFrom = null; // the row whose decision moves the focus on to the next one
    var announce = document.getElementById("review-announce");
    var bulk = document.getElementById("bulk-form");

    function rows() {
      return Array.prototype.slice.call(document.querySelectorAll("#review-queue > .suggestion"));
    }

    function show(row) {
      if (!row) return;
      rows().forEach(function (r) { r.classList.remove("current"); });
      row.classList.add("current");
      current = row.id;
      row.focus();
    }

    function currentRow() {
      var active = document.activeElement;
      var row = active && active.closest ? active.closest("#review-queue > .suggestion") : null;
      return row || (current ? document.getElementById(current) : null);
    }

    function move(step) {
      var all = rows();
      if (!all.length) return;
      var at = all.indexOf(currentRow());
      var next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
      show(all[next]);
    }

    function decide(row, value) {
      var button = row ? row.querySelector('form.decide button[value="' + value + '"]') : null;
      if (!button) return;
      advanceFrom = row.id;
      button.click();
    }

    function select(row) {
      var box = row ? row.querySelector("input.select") : null;
      if (box) box.click();
    }

    function decideSelected(value) {
      if (!bulk) return;
      if (!document.querySelector('#review-queue input.select:checked')) {
        if (announce) announce.textContent = bulk.getAttribute("data-none-selected") || "";
        return;
      }
      var button = bulk.querySelector('button[value="' + value + '"]');
      if (button) button.click();
    }

    function typing(target) {
      if (!target || !target.tagName) return false;
      if (target.isContentEditable) return true;
      if (target.tagName === "INPUT") return target.type !== "checkbox";
      return target.tagName === "SELECT" || target.tagName === "TEXTAREA";
    }

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
      if (typing(event.target)) return;
      var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
      var inQueue = !!(event.target.closest && event.target.closest("#review-queue"));
      if (key === "j" || (key === "ArrowDown" && inQueue)) move(1);
      else if (key === "k" || (key === "ArrowUp" && inQueue)) move(-1);
      else if (key === "a" && event.shiftKey) decideSelected("accepted");
      else if (key === "r" && event.shiftKey) decideSelected("rejected");
      else if (key === "a") decide(currentRow(), "accepted");
      else if (key === "r") decide(currentRow(), "rejected");
      else if (key === "x") select(currentRow());
      else return;
      event.preventDefault();
    });

    queue.addEventListener("focusin", function (event) {
      var row = event.target.closest ? event.target.closest("#review-queue > .suggestion") : null;
      if (row && row.id !== current) {
        rows().forEach(function (r) { r.classList.remove("current"); });
        row.classList.add("current");
        current = row.id;
      }
    });

    // a decision's answer swaps rows in place: keep the focus on the queue, on the next
    // suggestion after one decided with the keyboard
    var pending = false;
    function settle() {
      pending = false;
      var from = advanceFrom ? document.getElementById(advanceFrom) : null;
      advanceFrom = null;
      if (from) {
        var all = rows();
        var after = all.slice(all.indexOf(from) + 1);
        var next = after.filter(function (r) { return r.getAttribute("data-status") === "suggested"; })[0];
        show(next || after[0] || from);
      } else if (current && (document.activeElement === document.body || !document.activeElement)) {
        show(document.getElementById(current));
      }
    }
    document.body.addEventListener("htmx:oobAfterSwap", function (event) {
      var target = event.detail && event.detail.target;
      if (!target || !target.classList || !target.classList.contains("suggestion")) return;
      if (!pending) {
        pending = true;
        window.setTimeout(settle, 0);
      }
    });
    document.body.addEventListener("htmx:responseError", function () {
      advanceFrom = null;
      if (announce && bulk) announce.textContent = bulk.getAttribute("data-failed") || "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload-form");
    if (form) enhance(form);
    var queue = document.getElementById("review-queue");
    if (queue) reviewKeys(queue);
  });
})();
