/* Progressive enhancement for the upload page: drag-and-drop, one request per file with a
   progress bar, results that update themselves (htmx polls the batch fragments). The plain
   multi-file form works without this file. No inline script anywhere: CSP forbids it. */
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

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload-form");
    if (form) enhance(form);
  });
})();
