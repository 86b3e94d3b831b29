"""The tour page's style sheet and script, inlined into the page so that it works opened from disk.

The script is small plain JavaScript with no library: it drives

* step players: one slider and a play/pause button per player move every picture strip (CSS
  background-position into a sprite sheet), redraw the 2-D planes and the profiles (SVG), move the
  cursor on the charts and show the step's numbers;
* backward walks: previous/next buttons step through the table of ops and light up the op (and
  the inputs its gradients flow to) on the graph drawing.

It also watches every picture the page asks for and lists any that fails to load at the top of
the page, so a broken page says so (the browser test checks ``window.tourProblems``).
"""

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1240px; margin: 1.5em auto;
       padding: 0 1em; color: #1f2328; line-height: 1.5; font-size: 16px; }
h1 { font-size: 2em; margin-bottom: 0.1em; }
h2 { border-bottom: 2px solid #d8dee4; padding-bottom: 0.2em; margin-top: 2.4em; }
h2 .number { color: #6e7781; margin-right: 0.4em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.3em; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.9em; }
code { background: #f3f4f6; padding: 0.05em 0.3em; border-radius: 4px; }
pre { background: #f6f8fa; padding: 0.7em; overflow-x: auto; }
pre code { background: none; padding: 0; }
.lead { font-size: 1.08em; }
nav.contents ol { padding-left: 1.4em; }
nav.contents li { margin: 0.3em 0; }
.takeaway { color: #424a53; }
.badge { font-size: 0.8em; padding: 0.05em 0.45em; border-radius: 8px; margin-left: 0.4em; white-space: nowrap; }
.badge.ok { background: #dafbe1; color: #1a7f37; }
.badge.interrupted { background: #fff8c5; color: #9a6700; }
.badge.failed { background: #ffebe9; color: #cf222e; }
.banner { padding: 0.6em 0.9em; border-radius: 6px; margin: 0.8em 0; }
.banner.interrupted { background: #fff8c5; border-left: 4px solid #bf8700; }
.banner.failed { background: #ffebe9; border-left: 4px solid #cf222e; }
#problems { display: none; }
.numbers li, .look-for li { margin: 0.25em 0; }
.look-for { background: #f6f8fa; border-left: 4px solid #0969da; padding: 0.2em 1em 0.4em; margin: 1em 0; }
figure { margin: 1em 0; max-width: 100%; }
figure img { max-width: 100%; height: auto; border: 1px solid #eaeef2; }
figcaption { font-size: 0.93em; color: #424a53; max-width: 860px; margin-top: 0.3em; }
.note { color: #57606a; font-size: 0.92em; }
table.data { border-collapse: collapse; margin: 0.5em 0; font-size: 0.93em; }
table.data td, table.data th { border: 1px solid #d0d7de; padding: 0.3em 0.7em; text-align: left; vertical-align: top; }
table.data th { background: #f6f8fa; }
dl.columns { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; font-size: 0.93em; }
dl.columns dt { font-weight: 600; }
dl.columns dd { margin: 0; color: #424a53; }
.reproduce { font-size: 0.95em; }
details { margin: 0.6em 0; }
details summary { cursor: pointer; color: #57606a; }
.player { border: 1px solid #d0d7de; border-radius: 8px; padding: 0 0.8em 0.8em; margin: 1em 0; }
.player .controls { position: sticky; top: 0; z-index: 2; background: #ffffffee; padding: 0.6em 0;
                    display: flex; flex-wrap: wrap; gap: 0.5em 1em; align-items: center;
                    border-bottom: 1px solid #eaeef2; }
.player .controls input[type=range] { flex: 1 1 260px; min-width: 200px; }
.player button, .walk button { font: inherit; padding: 0.2em 0.8em; border-radius: 6px; border: 1px solid #8c959f;
                               background: #f6f8fa; cursor: pointer; }
.player .step { font-variant-numeric: tabular-nums; font-weight: 600; min-width: 10em; }
.player .values { font-variant-numeric: tabular-nums; min-width: 16em; }
.key { display: inline-flex; align-items: center; gap: 0.4em; font-size: 0.9em; }
.key .bar { display: inline-block; width: 120px; height: 12px; border: 1px solid #8c959f;
            background: linear-gradient(to right, #b2182b, #ffffff, #2166ac); }
.charts { display: flex; flex-wrap: wrap; gap: 0.5em 1.5em; }
.charts.column { flex-direction: column; }
.charts svg text { font-size: 11px; fill: #424a53; }
.views { display: flex; flex-wrap: wrap; gap: 1em 12px; align-items: flex-start; margin-top: 0.6em; }
.row-break { flex-basis: 100%; height: 0; }
.view h4 { margin: 0 0 0.2em; font-size: 0.95em; white-space: nowrap; }
.view .vnote { font-size: 12px; line-height: 1.3; color: #57606a; margin: 0 0 0.3em; height: 2.6em; overflow: hidden; }
.sprite-row { display: flex; align-items: flex-start; }
.sprite { image-rendering: pixelated; background-repeat: no-repeat; flex: none; }
.labels { position: relative; flex: none; font-size: 12px; font-variant-numeric: tabular-nums; }
.labels span { position: absolute; left: 6px; white-space: nowrap; line-height: 14px; }
.labels .right { color: #1a7f37; }
.labels .wrong { color: #cf222e; font-weight: 600; }
svg.plane text, svg.profile text { font-size: 12px; fill: #1f2328; }
.walk { margin: 1em 0; }
.walk .graph-wrap { overflow-x: auto; margin: 0.6em 0; }
.walk g.box.current rect { stroke: #bf3989; stroke-width: 4; }
.walk g.box.target rect { stroke: #0969da; stroke-width: 3; stroke-dasharray: 6 3; }
.walk tr.current td { background: #ffeff7; }
.walk td.op { white-space: nowrap; font-weight: 600; }
.downloads li { margin: 0.2em 0; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var problems = [];
  window.tourProblems = problems;
  function problem(text) {
    problems.push(text);
    var box = document.getElementById("problems");
    if (box) { box.style.display = "block"; box.textContent = "Could not load: " + problems.join(", "); }
  }
  function watchPicture(url) {
    var picture = new Image();
    picture.onerror = function () { problem(url); };
    picture.src = url;
  }
  document.querySelectorAll("img").forEach(function (img) {
    if (img.complete && img.naturalWidth === 0) { problem(img.getAttribute("src")); }
    img.addEventListener("error", function () { problem(img.getAttribute("src")); });
  });

  function format(value, series) {
    if (value === null || value === undefined) { return "\u2014"; }
    if (series.percent) { return (100 * value).toFixed(series.digits) + " %"; }
    return value.toFixed(series.digits);
  }

  function clipHalfPlane(box, w1, w2, b) {
    // The part of the square box where w1*x + w2*y + b > 0 (one clipping pass of Sutherland-Hodgman).
    var lo = box[0], hi = box[1];
    var corners = [[lo, lo], [hi, lo], [hi, hi], [lo, hi]], out = [];
    function side(p) { return w1 * p[0] + w2 * p[1] + b; }
    for (var i = 0; i < 4; i++) {
      var p = corners[i], q = corners[(i + 1) % 4], sp = side(p), sq = side(q);
      if (sp > 0) { out.push(p); }
      if ((sp > 0) !== (sq > 0) && sp !== sq) {
        var t = sp / (sp - sq);
        out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
      }
    }
    return out;
  }

  function lineInBox(box, w1, w2, b) {
    // Where the line w1*x + w2*y + b = 0 crosses the edges of the square box.
    var lo = box[0], hi = box[1], points = [];
    if (Math.abs(w2) > 1e-12) {
      [lo, hi].forEach(function (x) { var y = -(w1 * x + b) / w2; if (y >= lo && y <= hi) { points.push([x, y]); } });
    }
    if (Math.abs(w1) > 1e-12) {
      [lo, hi].forEach(function (y) { var x = -(w2 * y + b) / w1; if (x > lo && x < hi) { points.push([x, y]); } });
    }
    return points;
  }

  function drawPlane(svg, plane, frame) {
    var size = +svg.getAttribute("data-size"), pad = +svg.getAttribute("data-pad");
    var lo = plane.limits[0], hi = plane.limits[1];
    function X(x) { return pad + (x - lo) / (hi - lo) * size; }
    function Y(y) { return pad + size - (y - lo) / (hi - lo) * size; }
    var layer = svg.querySelector(".moving"), parts = [];
    var line = plane.lines[frame], region = clipHalfPlane(plane.limits, line[0], line[1], line[2]);
    if (region.length > 2) {
      parts.push('<polygon points="' + region.map(function (p) { return X(p[0]) + "," + Y(p[1]); }).join(" ") +
                 '" fill="#dde8f4"/>');
    }
    var crossing = lineInBox(plane.limits, line[0], line[1], line[2]);
    if (crossing.length >= 2) {
      parts.push('<line x1="' + X(crossing[0][0]) + '" y1="' + Y(crossing[0][1]) + '" x2="' + X(crossing[1][0]) +
                 '" y2="' + Y(crossing[1][1]) + '" stroke="#000" stroke-width="2"/>');
    }
    plane.points[frame].forEach(function (p, i) {
      var cls = plane.classes[i], x = X(p[0]), y = Y(p[1]);
      parts.push(cls ? '<rect x="' + (x - 7) + '" y="' + (y - 7) + '" width="14" height="14" fill="#2166ac" ' +
                       'stroke="#000"/>'
                     : '<circle cx="' + x + '" cy="' + y + '" r="7.5" fill="#b2182b" stroke="#000"/>');
      // Labels point into the square, above or below the point by turns, so close points stay readable.
      var inward = p[0] > (lo + hi) / 2, dx = inward ? -10 : 10, anchor = inward ? "end" : "start";
      var dy = (i % 2) ? 20 : -11;
      parts.push('<text x="' + (x + dx) + '" y="' + (y + dy) + '" text-anchor="' + anchor + '">' +
                 plane.names[i] + "</text>");
    });
    layer.innerHTML = parts.join("");
  }

  function drawProfile(svg, profile, frame) {
    // Each curve's values at this frame against x, inside the box the fixed axes were drawn for.
    var box = svg.getAttribute("data-box").split(" ").map(Number), left = box[0], top = box[1];
    var width = box[2], height = box[3];
    var xs = profile.x, xLow = Math.min.apply(null, xs), xSpan = (Math.max.apply(null, xs) - xLow) || 1;
    function f(v) { return profile.log ? Math.log(v) / Math.LN10 : v; }
    var low = f(profile.low), high = f(profile.high);
    function X(x) { return left + 8 + (x - xLow) / xSpan * (width - 16); }
    function Y(v) { return top + (high - f(v)) / (high - low) * height; }
    function usable(v) { return v !== null && v !== undefined && isFinite(v) && (!profile.log || v > 0); }
    function polylines(values, attributes) {
      // One polyline per unbroken run of usable values (a missing value breaks the line).
      var runs = [], run = [];
      values.forEach(function (v, i) {
        if (usable(v)) { run.push(X(xs[i]).toFixed(1) + "," + Y(v).toFixed(1)); }
        else if (run.length) { runs.push(run); run = []; }
      });
      if (run.length) { runs.push(run); }
      return runs.map(function (r) {
        return '<polyline points="' + r.join(" ") + '" fill="none" ' + attributes + "/>";
      }).join("");
    }
    var parts = [];
    profile.curves.forEach(function (curve) {
      if (profile.reference && frame > 0) {
        parts.push(polylines(curve.values[0], 'stroke="' + curve.colour + '" stroke-width="1.5" ' +
                             'stroke-dasharray="4 3" opacity="0.55"'));
      }
    });
    profile.curves.forEach(function (curve) {
      var values = curve.values[frame];
      parts.push(polylines(values, 'stroke="' + curve.colour + '" stroke-width="2"'));
      values.forEach(function (v, i) {
        if (usable(v)) {
          parts.push('<circle cx="' + X(xs[i]).toFixed(1) + '" cy="' + Y(v).toFixed(1) + '" r="3" fill="' +
                     curve.colour + '"/>');
        }
      });
    });
    svg.querySelector(".moving").innerHTML = parts.join("");
  }

  function setupPlayer(root) {
    var data = JSON.parse(root.querySelector("script.player-data").textContent);
    var slider = root.querySelector("input.slider"), button = root.querySelector("button.play");
    var stepText = root.querySelector(".step"), valuesText = root.querySelector(".values");
    var last = data.steps.length - 1, timer = null;
    data.sprites.forEach(function (sprite) { watchPicture(sprite.url); });
    function show(frame) {
      frame = Math.max(0, Math.min(last, frame));
      slider.value = frame;
      stepText.textContent = "step " + data.steps[frame] + " of " + data.steps[last];
      var group = "";
      valuesText.textContent = data.series.map(function (s) {
        var named = s.group && s.group !== group ? s.group + ": " : "";  // a group is named once
        group = s.group;
        return named + s.name + " " + format(s.values[frame], s);
      }).join("  \u00b7  ");
      data.sprites.forEach(function (sprite) {
        var el = document.getElementById(sprite.id), k = sprite.frames > 1 ? frame : 0;
        var x = (k % sprite.per_row) * sprite.width * sprite.scale;
        var y = Math.floor(k / sprite.per_row) * sprite.height * sprite.scale;
        el.style.backgroundPosition = (-x) + "px " + (-y) + "px";
        if (sprite.labels) {
          var spans = document.getElementById(sprite.id + "-labels").children;
          sprite.labels[frame].forEach(function (label, row) {
            spans[row].textContent = label[0];
            spans[row].className = label[1];
          });
        }
      });
      root.querySelectorAll("svg.plane").forEach(function (svg) {
        drawPlane(svg, data.planes[+svg.getAttribute("data-plane")], frame);
      });
      root.querySelectorAll("svg.profile").forEach(function (svg) {
        drawProfile(svg, data.profiles[+svg.getAttribute("data-profile")], frame);
      });
      root.querySelectorAll("line.cursor").forEach(function (cursor) {
        var x0 = +cursor.getAttribute("data-x0"), width = +cursor.getAttribute("data-width");
        var first = data.steps[0], span = Math.max(1, data.steps[last] - first);
        var x = x0 + (data.steps[frame] - first) / span * width;
        cursor.setAttribute("x1", x); cursor.setAttribute("x2", x);
      });
      root.setAttribute("data-frame", frame);
    }
    function stop() { clearInterval(timer); timer = null; button.textContent = "\u25b6 play"; }
    button.addEventListener("click", function () {
      if (timer) { stop(); return; }
      if (+slider.value >= last) { show(0); }
      button.textContent = "\u275a\u275a pause";
      var stride = Math.max(1, Math.round(last / 240));
      timer = setInterval(function () {
        if (+slider.value >= last) { stop(); return; }
        show(+slider.value + stride);
      }, 80);
    });
    slider.addEventListener("input", function () { stop(); show(+slider.value); });
    show(last);
  }

  function setupWalk(root) {
    var rows = root.querySelectorAll("tr[data-box]"), position = root.querySelector(".walk-position"), index = 0;
    function show(k) {
      index = Math.max(0, Math.min(rows.length - 1, k));
      root.querySelectorAll(".current, .target").forEach(function (el) { el.classList.remove("current", "target"); });
      var row = rows[index];
      row.classList.add("current");
      var box = root.querySelector("#" + root.getAttribute("data-prefix") + "-box-" + row.getAttribute("data-box"));
      if (box) { box.classList.add("current"); }
      (row.getAttribute("data-inputs") || "").split(" ").filter(Boolean).forEach(function (b) {
        var el = root.querySelector("#" + root.getAttribute("data-prefix") + "-box-" + b);
        if (el) { el.classList.add("target"); }
      });
      position.textContent = "op " + (index + 1) + " of " + rows.length + ": " + row.getAttribute("data-op");
      root.setAttribute("data-index", index);
    }
    root.querySelector("button.prev").addEventListener("click", function () { show(index - 1); });
    root.querySelector("button.next").addEventListener("click", function () { show(index + 1); });
    show(0);
  }

  document.querySelectorAll(".player").forEach(setupPlayer);
  document.querySelectorAll(".walk").forEach(setupWalk);
  window.tourReady = true;
})();
"""
