/* nianbao web app: progressive enhancement only (every page works without it, except
   the cell-to-source highlighting, the charts and drag and drop).  No inline scripts
   anywhere (the Content-Security-Policy forbids them); report content is only ever put
   into the page with textContent, never as HTML. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  /* ------------------------------------------------------------------ report page */

  function clearMarks() {
    $all(".src-line.hit").forEach(function (el) {
      el.classList.remove("hit");
      var tx = $(".tx", el);
      if (tx && tx.dataset.text !== undefined) { tx.textContent = tx.dataset.text; }
    });
  }

  function markLine(n, start, end) {
    var el = document.getElementById("L" + n);
    if (!el) { return null; }
    el.classList.add("hit");
    var tx = $(".tx", el);
    if (tx && start !== null && end !== null && end > start) {
      var text = tx.dataset.text !== undefined ? tx.dataset.text : tx.textContent;
      tx.dataset.text = text;
      tx.textContent = "";
      tx.appendChild(document.createTextNode(text.slice(0, start)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(start, end);
      tx.appendChild(mark);
      tx.appendChild(document.createTextNode(text.slice(end)));
    }
    var pane = $("#source-text");
    if (pane) {
      pane.scrollTop = el.offsetTop - pane.offsetTop - pane.clientHeight / 3;
    }
    return el;
  }

  function showTab(name) {
    $all("[data-tab]").forEach(function (b) { b.setAttribute("aria-selected", b.dataset.tab === name ? "true" : "false"); });
    $all("[data-panel]").forEach(function (p) { p.hidden = p.dataset.panel !== name; });
    if (name === "page") { scrollToMark(); }
  }

  function showPage(n) {
    var img = $("#page-img");
    var root = $("[data-report]");
    if (!img || !root) { return; }
    var pages = parseInt(root.dataset.pages || "0", 10);
    if (!pages) { return; }
    n = Math.max(1, Math.min(pages, n));
    if (img.dataset.page !== String(n)) { clearPageMarks(); }
    img.src = "/reports/" + root.dataset.report + "/pages/" + n + ".png";
    img.dataset.page = String(n);
    var label = $("#page-no");
    if (label) { label.textContent = n + " / " + pages; }
  }

  var markGen = 0;  /* bumped by every clear: a locate answer that arrives later is dropped */

  function clearPageMarks() {
    markGen += 1;
    $all(".page-mark").forEach(function (el) { el.remove(); });
    var holder = $("#page-holder");
    if (holder) { delete holder.dataset.markY; }
  }

  /* Draw where the clicked cell is printed on the page image (the server finds the cell in
     the page's ruled table, or else the row's label in the PDF's text layer; positions are
     fractions of the page). */
  function markOnPage(line, pageNo, start, also) {
    var root = $("[data-report]");
    var holder = $("#page-holder");
    if (!root || !holder || !line) { return; }
    var gen = markGen;
    var url = "/reports/" + root.dataset.report + "/pages/" + pageNo + "/locate?line=" + encodeURIComponent(line) +
      (start !== null && start !== undefined && start !== "" ? "&start=" + encodeURIComponent(start) : "");
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (gen !== markGen || !data || !data.box) { return; }
      var b = data.box;
      if (also) {  /* a further cell of the same finding: its box only */
        var more = document.createElement("div");
        more.className = "page-mark box also" + (data.cell ? " cell" : "");
        more.style.left = (b[0] * 100) + "%";
        more.style.top = (b[1] * 100) + "%";
        more.style.width = ((b[2] - b[0]) * 100) + "%";
        more.style.height = ((b[3] - b[1]) * 100) + "%";
        holder.appendChild(more);
        return;
      }
      $all(".page-mark:not(.also)").forEach(function (el) { el.remove(); });
      var band = document.createElement("div");
      band.className = "page-mark band";
      band.style.top = ((b[1] - 0.006) * 100) + "%";
      band.style.height = ((b[3] - b[1] + 0.012) * 100) + "%";
      var box = document.createElement("div");
      box.className = "page-mark box" + (data.cell ? " cell" : "");
      box.style.left = (b[0] * 100) + "%";
      box.style.top = (b[1] * 100) + "%";
      box.style.width = ((b[2] - b[0]) * 100) + "%";
      box.style.height = ((b[3] - b[1]) * 100) + "%";
      holder.appendChild(band);
      holder.appendChild(box);
      holder.dataset.markY = String(b[1]);
      scrollToMark();
    });
  }

  /* Bring the marked row into view (once the page image is shown and loaded). */
  function scrollToMark() {
    var holder = $("#page-holder");
    var view = $(".page-view");
    if (!holder || !view || !holder.dataset.markY || !holder.clientHeight) { return; }
    view.scrollTop = Math.max(0, parseFloat(holder.dataset.markY) * holder.clientHeight - view.clientHeight / 3);
  }

  function detailRow(dl, name, value) {
    if (value === undefined || value === null || value === "") { return; }
    var dt = document.createElement("dt");
    dt.textContent = name;
    var dd = document.createElement("dd");
    dd.textContent = value;
    dl.appendChild(dt);
    dl.appendChild(dd);
  }

  function showCell(td) {
    $all("td.sel").forEach(function (x) { x.classList.remove("sel"); });
    $all(".finding.hl").forEach(function (x) { x.classList.remove("hl"); });
    td.classList.add("sel");
    clearMarks();
    var d = td.dataset;
    if (d.line) {
      showTab("text");
      markLine(parseInt(d.line, 10), d.start ? parseInt(d.start, 10) : null, d.end ? parseInt(d.end, 10) : null);
    }
    clearPageMarks();
    if (d.page) {
      showPage(parseInt(d.page, 10));
      markOnPage(d.line, parseInt(d.page, 10), d.start);
      if (!d.line) { showTab("page"); }
    }
    (d.findings || "").split(" ").forEach(function (key) {
      var f = key && document.getElementById("f-" + key);
      if (f) { f.classList.add("hl"); }
    });
    var box = $("#cell-detail");
    if (!box) { return; }
    box.hidden = false;
    placeCard(box, td);
    var dl = $("dl", box);
    dl.textContent = "";
    detailRow(dl, "单元格", d.label || d.cell);
    detailRow(dl, "表中数值", td.textContent.trim() || "（空）");
    if (d.corrected) { detailRow(dl, "提取值（更正前）", d.extracted); }
    detailRow(dl, "原文", d.raw);
    if (d.line) {
      var from = d.start ? parseInt(d.start, 10) + 1 : 0;
      var to = d.end ? parseInt(d.end, 10) : 0;
      detailRow(dl, "位置", "第" + d.line + "行" + (from ? "，第" + (to > from ? from + "–" + to : from) + "字" : ""));
    } else {
      detailRow(dl, "位置", "原文中没有对应位置（推算或缺失）");
    }
    detailRow(dl, "来源", d.origin);
    detailRow(dl, "置信度", d.conf);
    detailRow(dl, "提取方式", {label: "按标签读取", arithmetic: "按勾稽关系推算", ocr: "文字识别", missing: "缺失"}[d.method] || d.method);
    var form = $("#correct-form");
    if (form) {
      form.elements.path.value = d.cell;
      form.elements.value.value = "";
      form.elements.value.placeholder = td.textContent.trim();
      var target = $("#correct-cell");
      if (target) { target.textContent = d.label || d.cell; }
    }
  }

  /* On a narrow screen the cell card floats just below the tapped cell (the source pane is
     far down the page there); on a wide one it stays at the top of the source pane. */
  var cardHome = null;
  var NARROW = "(max-width: 1099px)";

  function placeCard(box, td) {
    if (!cardHome) { cardHome = {parent: box.parentNode, next: box.nextSibling}; }
    if (!window.matchMedia(NARROW).matches) {
      if (box.parentNode !== cardHome.parent) { cardHome.parent.insertBefore(box, cardHome.next); }
      box.classList.remove("beside");
      box.style.top = "";
      return;
    }
    if (box.parentNode !== document.body) { document.body.appendChild(box); }
    box.classList.add("beside");
    var r = td.getBoundingClientRect();
    box.style.top = Math.round(r.bottom + window.scrollY + 6) + "px";
    var bottom = r.bottom + 6 + box.offsetHeight;
    if (bottom > window.innerHeight) {  /* bring the card into view, the cell just above it */
      window.scrollBy({top: Math.min(r.top - 60, bottom - window.innerHeight + 12), behavior: "auto"});
    }
  }

  function showFinding(li) {
    $all("td.hl").forEach(function (x) { x.classList.remove("hl"); });
    clearMarks();
    var first = null;
    (li.dataset.cells || "").split(" ").forEach(function (path) {
      if (!path) { return; }
      $all('td[data-cell="' + CSS.escape(path) + '"]').forEach(function (td) {
        td.classList.add("hl");
        first = first || td;
      });
    });
    if (first) {
      showCell(first);
      first.scrollIntoView({block: "center", inline: "center", behavior: "smooth"});
      $all("td.hl").forEach(function (td) {  /* every cell of the finding on the same page */
        if (td !== first && td.dataset.line && td.dataset.page && td.dataset.page === first.dataset.page) {
          markOnPage(td.dataset.line, parseInt(td.dataset.page, 10), td.dataset.start, true);
        }
      });
    } else if (li.dataset.line) {
      showTab("text");
      markLine(parseInt(li.dataset.line, 10), null, null);
    }
  }

  document.addEventListener("click", function (evt) {
    var t = evt.target;
    if (!(t instanceof Element)) { return; }
    var td = t.closest("td[data-cell]");
    if (td) { showCell(td); return; }
    var show = t.closest("[data-show-finding]");
    if (show) { evt.preventDefault(); showFinding(show.closest(".finding")); return; }
    var tab = t.closest("[data-tab]");
    if (tab) { showTab(tab.dataset.tab); return; }
    var step = t.closest("[data-page-step]");
    if (step) {
      var img = $("#page-img");
      showPage(parseInt((img && img.dataset.page) || "1", 10) + parseInt(step.dataset.pageStep, 10));
      return;
    }
    var close = t.closest("[data-close-card]");
    if (close) {
      var card = $("#cell-detail");
      if (card) { card.hidden = true; }
      $all("td.sel").forEach(function (x) { x.classList.remove("sel"); });
      return;
    }
    var print = t.closest("[data-print]");
    if (print) { window.print(); }
  });

  document.addEventListener("keydown", function (evt) {
    var t = evt.target;
    if ((evt.key === "Enter" || evt.key === " ") && t instanceof Element && t.matches("td[data-cell]")) {
      evt.preventDefault();
      showCell(t);
    }
  });

  /* ------------------------------------------------------------------ uploads */

  function setupDrop(zone) {
    var input = $("input[type=file]", zone.closest("form"));
    if (!input) { return; }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (evt) { evt.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (evt) { evt.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (evt) {
      if (!evt.dataTransfer || !evt.dataTransfer.files.length) { return; }
      input.files = evt.dataTransfer.files;
      input.dispatchEvent(new Event("change", {bubbles: true}));
    });
    input.addEventListener("change", function () {
      var names = $("#chosen-files");
      if (names) {
        names.textContent = Array.prototype.map.call(input.files, function (f) { return f.name; }).join("、");
      }
    });
  }

  /* ------------------------------------------------------------------ charts */

  var COLORS = {error: "#c0392b", warning: "#d68910", bar: "#2e6da4", before: "#9aa5b1", suits: "#8e44ad",
                outcome: ["#1e7e34", "#5aa469", "#c0392b", "#d68910", "#6c5ce7", "#7f8c8d"]};
  var LEGEND_ROOM = 44;  /* pixels above the plot kept for the legend: it never covers an axis label */

  /* A legend that scrolls instead of wrapping onto the plot, and the plot below it. */
  function legend(names) { return {type: "scroll", top: 4, left: "center", data: names}; }
  function grid(withLegend) {
    return {left: 8, right: 56, top: withLegend ? LEGEND_ROOM : 12, bottom: 8, containLabel: true};
  }
  /* Agency names on a category axis: at most a third of the chart's width, truncated. */
  function nameAxis(el, names) {
    var width = Math.max(72, Math.min(170, Math.round(el.clientWidth * 0.34)));
    return {type: "category", data: names, axisLabel: {width: width, overflow: "truncate", interval: 0}};
  }
  function rev(list) { return (list || []).slice().reverse(); }
  function tooltip() { return {trigger: "axis", axisPointer: {type: "shadow"}, renderMode: "richText", confine: true}; }
  function percent(v) { return (Math.round(v * 1000) / 10) + "%"; }

  /* one bar per agency and series (stacked when the series share a stack), agencies top-down */
  function agencyBars(el, agencies, bars) {
    return {
      tooltip: tooltip(),
      legend: legend(bars.map(function (b) { return b.name; })),
      grid: grid(true),
      xAxis: {type: "value", minInterval: 1},
      yAxis: nameAxis(el, rev(agencies)),
      series: bars.map(function (b) {
        return {name: b.name, type: "bar", stack: b.stack, barMaxWidth: b.width, color: b.color, data: rev(b.data)};
      })
    };
  }

  function chartOption(spec, el) {
    var d = spec.data, L = spec.labels;
    if (spec.type === "problems") {
      return agencyBars(el, d.agencies, [
        {name: L.errors, stack: "n", width: 28, color: COLORS.error, data: d.errors},
        {name: L.warnings, stack: "n", width: 28, color: COLORS.warning, data: d.warnings}]);
    }
    if (spec.type === "composition") {
      var sum = d.values.reduce(function (a, b) { return a + (b || 0); }, 0);
      return {
        tooltip: tooltip(),
        grid: grid(false),
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", data: rev(d.labels), axisLabel: {interval: 0}},
        series: [{type: "bar", barMaxWidth: 30, data: rev(d.values.map(function (v, i) {
          return {value: v, itemStyle: {color: COLORS.outcome[i % COLORS.outcome.length]}};
        })), label: {show: true, position: "right", formatter: function (p) {
          return p.value + (sum ? "（" + percent(p.value / sum) + "）" : "");
        }}}]
      };
    }
    if (spec.type === "yoy") {
      return agencyBars(el, d.agencies, [
        {name: L.before + "年", width: 14, color: COLORS.before, data: d.before},
        {name: L.year + "年", width: 14, color: COLORS.bar, data: d.now}]);
    }
    if (spec.type === "appeals") {
      return agencyBars(el, d.agencies, [
        {name: L.reviews, stack: "a", width: 28, color: COLORS.bar, data: d.reviews},
        {name: L.suits, stack: "a", width: 28, color: COLORS.suits, data: d.suits}]);
    }
    if (spec.type === "denied") {
      /* a share over 100% is a data error: an empty dashed frame to 100% with its value in
         words, not a bar of that length */
      var items = d.shares.map(function (v, i) {
        if (!d.bad[i]) { return {value: Math.round(v * 1000) / 10}; }
        return {value: 100, bad: true, share: v,
                itemStyle: {color: "rgba(192,57,43,0.06)", borderColor: COLORS.error, borderType: "dashed", borderWidth: 2},
                label: {show: true, position: "insideRight", color: COLORS.error, fontWeight: "bold",
                        formatter: L.error + " " + percent(v)}};
      });
      return {
        tooltip: {trigger: "item", renderMode: "richText", confine: true, formatter: function (p) {
          return p.name + "：" + (p.data.bad ? L.error + " " + percent(p.data.share) : p.value + "%");
        }},
        grid: grid(false),
        xAxis: {type: "value", min: 0, max: 100, interval: el.clientWidth < 560 ? 50 : 20,
                axisLabel: {formatter: "{value}%", showMaxLabel: true}},
        yAxis: nameAxis(el, rev(d.agencies)),
        series: [{type: "bar", barMaxWidth: 22, color: COLORS.bar, data: rev(items),
                  label: {show: true, position: "right", formatter: "{c}%"}}]
      };
    }
    if (spec.type === "trend") {
      return {
        tooltip: {trigger: "axis", renderMode: "richText", confine: true},
        legend: legend(spec.data.series.map(function (s) { return s.name; })),
        grid: grid(true),
        xAxis: {type: "category", data: spec.data.years},
        yAxis: {type: "value"},
        series: spec.data.series.map(function (s) { return {name: s.name, type: "line", data: s.values, connectNulls: false}; })
      };
    }
    return null;
  }

  function setupCharts(root) {
    if (typeof window.echarts === "undefined") { return; }
    $all("[data-chart]", root).forEach(function (el) {
      if (el.dataset.ready) { return; }
      var spec = JSON.parse(el.dataset.chart);
      var option = chartOption(spec, el);
      if (!option) { return; }
      var rows = spec.data.agencies ? spec.data.agencies.length : spec.data.labels && spec.type === "composition" ? spec.data.labels.length : 0;
      if (rows) {  /* one bar (group) per row: the chart grows with them */
        el.style.height = Math.max(220, (spec.type === "yoy" ? 34 : 28) * rows + 90) + "px";
      }
      el.dataset.ready = "1";
      var chart = window.echarts.init(el, null, {renderer: "canvas"});
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  /* ------------------------------------------------------------------ drafting form */

  function flagDraftCells(root) {
    var box = $("[data-flag-cells]", root);
    if (!box) { return; }
    $all("td.flag").forEach(function (td) { td.classList.remove("flag"); });
    box.dataset.flagCells.split(" ").forEach(function (path) {
      var input = path && document.querySelector('input[name="c:' + CSS.escape(path) + '"]');
      if (input && input.closest("td")) { input.closest("td").classList.add("flag"); }
    });
  }

  /* ------------------------------------------------------------------ start */

  function setup(root) {
    $all("[data-drop]", root).forEach(setupDrop);
    flagDraftCells(root);
    setupCharts(root);
    var img = $("#page-img", root);
    if (img) {
      img.addEventListener("load", scrollToMark);
      if (!img.getAttribute("src")) { showPage(1); }
    }
  }

  /* the report list's "select all" box ticks every row's box of the batch form */
  document.addEventListener("change", function (evt) {
    var box = evt.target;
    if (!box.matches || !box.matches("[data-select-all]")) { return; }
    var form = box.closest("form");
    $all('input[name="' + box.getAttribute("data-select-all") + '"]', form).forEach(function (c) { c.checked = box.checked; });
  });

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { setup(evt.target); });
})();
