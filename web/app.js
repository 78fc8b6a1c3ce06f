// lc15 serve — the planner's what-if page (docs/SERVER.md).
//
// Loads the city once (GET /api/city), opens a session (POST /api/sessions) and sends every
// click as one edit (POST /api/sessions/ID/edits); each answer carries the session's figures
// against the base, from which the map is recoloured and the side table redrawn. Nothing is
// computed here: every figure shown is the server's. Exposed as window.lc15 for tests.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const token = new URLSearchParams(location.search).get('token') || '';
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  const pct = (x) => (100 * x).toFixed(1) + '%';

  let city = null;        // GET /api/city
  let session = '';       // session id
  let st = null;          // the session's state (last answer)
  let cat = 0;            // selected category index
  let sortKey = 'gained', sortDir = -1;
  let pending = 0;

  // ---- talking to the server ---------------------------------------------------------------
  async function api(method, path, body, type) {
    const opts = { method, headers: {}, credentials: 'same-origin' };
    if (token) opts.headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) {
      opts.body = body;
      opts.headers['Content-Type'] = type || 'application/json';
    }
    const t0 = performance.now();
    pending++;
    setBusy();
    try {
      const r = await fetch(path, opts);
      const text = await r.text();
      const ms = performance.now() - t0;
      const j = text ? JSON.parse(text) : {};
      if (!r.ok) {
        const e = new Error(j.error || ('HTTP ' + r.status));
        e.fix = j.fix;
        e.status = r.status;
        throw e;
      }
      $('latency').textContent = 'last answer in ' + ms.toFixed(0) + ' ms';
      return j;
    } finally {
      pending--;
      setBusy();
    }
  }

  function setBusy() {
    const m = $('message');
    if (pending > 0 && !m.classList.contains('error')) {
      m.className = 'busy';
      m.textContent = 'computing…';
    } else if (pending === 0 && m.classList.contains('busy')) {
      m.className = '';
      m.textContent = '';
    }
  }

  function showError(e) {
    const m = $('message');
    m.className = 'error';
    m.textContent = e.message + (e.fix ? '\nfix: ' + e.fix : '');
  }

  function clearMessage() {
    const m = $('message');
    if (m.classList.contains('error')) { m.className = ''; m.textContent = ''; }
  }

  async function send(edit) {
    try {
      const s = await api('POST', '/api/sessions/' + session + '/edits', JSON.stringify(edit));
      clearMessage();
      show(s);
      return true;
    } catch (e) {
      showError(e);
      return false;
    }
  }

  async function step(which) {
    try {
      show(await api('POST', '/api/sessions/' + session + '/' + which));
      clearMessage();
    } catch (e) {
      showError(e);
    }
  }

  // ---- the map -----------------------------------------------------------------------------
  const map = L.map('map', { preferCanvas: true, zoomSnap: 0.5, doubleClickZoom: false });
  const ll = (p) => [p[1], p[0]];
  const communityLayers = [];
  const facilityLayer = L.layerGroup().addTo(map);
  const addedLayer = L.layerGroup().addTo(map);
  const stopLayer = L.layerGroup().addTo(map);
  const homeLayer = L.layerGroup().addTo(map);

  // Red (0) → yellow → green (1), five classes as in the printed maps.
  const RAMP = ['#d7191c', '#fdae61', '#ffffbf', '#a6d96a', '#1a9641'];
  const colour = (v) => RAMP[Math.max(0, Math.min(4, Math.floor(v * 5 - 1e-9)))];

  function communityValue(c) {
    const id = city.categories[cat].id;
    const over = st && st.communities.find((x) => x.community === c);
    const byScore = $('colour').value === 'score';
    if (byScore) return (over ? over.score_after : city.communities[c].score) / 100;
    if (over && over.categories[id]) return over.categories[id].share_after;
    return city.communities[c].share[cat];
  }

  function recolour() {
    communityLayers.forEach((layer, c) => {
      layer.setStyle({ fillColor: colour(communityValue(c)) });
    });
    drawLegend();
  }

  function drawLegend() {
    const byScore = $('colour').value === 'score';
    const name = city.categories[cat].name_zh || city.categories[cat].id;
    const labels = byScore ? ['0', '20', '40', '60', '80', '100'] : ['0%', '20%', '40%', '60%', '80%', '100%'];
    $('legend').innerHTML =
      '<b>' + (byScore ? 'Living-circle score' : 'Covered share: ' + escapeHtml(name)) + '</b>' +
      '<div class="ramp">' + RAMP.map((c) => '<span style="background:' + c + '"></span>').join('') + '</div>' +
      '<div class="ramp" style="justify-content:space-between">' + labels.map((l) => '<small>' + l + '</small>').join('') + '</div>' +
      '<div><span class="sym" style="background:#2b6cb0"></span>facility (drag to move, click to close)</div>' +
      '<div><span class="sym" style="background:#1a9641"></span>added (drag to move) · <span class="sym" style="background:#6b46c1"></span>bus stop' +
      ' · <span class="sym" style="background:#555"></span>homes</div>';
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  // The network indicators of lc15 coverage (summary.json's keys), as lines of text.
  function networkLines(n) {
    if (!n) return [];
    const v = (x, d, unit) => (x === null || x === undefined ? '—' : x.toFixed(d) + unit);
    return [
      ['street density', v(n.street_km_per_km2, 1, ' km/km²') + ' (roads ' + v(n.road_km_per_km2, 1, ' km/km²') + ')'],
      ['intersections', v(n.intersections_per_km2, 0, ' /km²')],
      ['dead ends', n.dead_ends + ' (' + v(n.dead_ends_per_km2, 1, ' /km²') + ')'],
      ['mean block', v(n.mean_block_ha, 2, ' ha')],
      ['gated share', n.gated_share === null ? '—' : pct(n.gated_share)],
    ];
  }

  function communityTooltip(c) {
    const lines = networkLines(city.communities[c].network)
      .map(([k, x]) => '<br><small>' + escapeHtml(k) + ': ' + escapeHtml(x) + '</small>').join('');
    return '<b>' + escapeHtml(city.communities[c].name || '#' + c) + '</b>' + lines;
  }

  function drawNetwork() {
    const tb = document.querySelector('#network-table tbody');
    tb.innerHTML = '';
    for (const [k, x] of networkLines(city.city.network)) {
      const tr = document.createElement('tr');
      tr.innerHTML = '<td>' + escapeHtml(k) + '</td><td class="num">' + escapeHtml(x) + '</td>';
      tb.appendChild(tr);
    }
  }

  // Homes: one dot each when zoomed in, summed in a grid of ~40 px cells when zoomed out.
  function drawHomes() {
    homeLayer.clearLayers();
    const z = map.getZoom();
    if (z >= 16) {
      for (const h of city.homes)
        L.circleMarker([h[1], h[0]], { radius: 2, stroke: false, fillColor: '#555', fillOpacity: 0.7, interactive: false }).addTo(homeLayer);
      return;
    }
    const cell = 360 / Math.pow(2, z) * 40 / 256;
    const cells = new Map();
    for (const h of city.homes) {
      const key = Math.floor(h[0] / cell) + ',' + Math.floor(h[1] / cell);
      const c = cells.get(key) || { lon: 0, lat: 0, pop: 0, n: 0 };
      c.lon += h[0]; c.lat += h[1]; c.pop += h[2]; c.n++;
      cells.set(key, c);
    }
    for (const c of cells.values()) {
      L.circleMarker([c.lat / c.n, c.lon / c.n], {
        radius: Math.min(14, 2 + Math.sqrt(c.pop) / 6), stroke: false, fillColor: '#555', fillOpacity: 0.45, interactive: false,
      }).addTo(homeLayer);
    }
  }

  // Where each base facility is now, and which are closed, from the edit list.
  function facilityState() {
    // added: the other edits with their number in the list (n, 1-based) and where an added
    // facility stands now (at, after its move_added edits).
    const moved = new Map(), closed = new Set(), added = [];
    const byNumber = new Map();
    (st ? st.edits : []).forEach((e, i) => {
      const key = e.category + '/' + (e.facility ? e.facility.index : '');
      if (e.type === 'move_facility') moved.set(key, [e.lat, e.lon]);
      else if (e.type === 'close_facility' || e.type === 'remove_stop') closed.add(key);
      else if (e.type === 'move_added') { const a = byNumber.get(e.edit); if (a) a.at = [e.lat, e.lon]; }
      else { const a = { ...e, n: i + 1, at: [e.lat, e.lon] }; added.push(a); byNumber.set(i + 1, a); }
    });
    return { moved, closed, added };
  }

  function facilityPopup(k, i, f) {
    const div = document.createElement('div');
    div.innerHTML = '<b>' + escapeHtml(f.name || f.id) + '</b><br><small>' + escapeHtml(city.categories[k].id) + ' · ' + escapeHtml(f.id) + '</small><br>';
    const b = document.createElement('button');
    b.textContent = k === stopCategory() ? 'Remove this stop' : 'Close this facility';
    b.addEventListener('click', () => {
      map.closePopup();
      send(k === stopCategory() ? { type: 'remove_stop', id: f.id } : { type: 'close_facility', category: city.categories[k].id, id: f.id });
    });
    div.appendChild(b);
    return div;
  }

  function stopCategory() {
    return city.categories.findIndex((c) => c.id === city.stop_category);
  }

  function drawFacilities() {
    facilityLayer.clearLayers();
    addedLayer.clearLayers();
    stopLayer.clearLayers();
    const { moved, closed, added } = facilityState();
    const id = city.categories[cat].id;
    const sk = stopCategory();
    city.facilities[cat].forEach((f, i) => {
      if (cat === sk) return;
      const key = id + '/' + i;
      if (closed.has(key)) return;
      const pos = moved.get(key) || [f.lat, f.lon];
      const m = L.marker(pos, { draggable: true, title: f.name || f.id, autoPan: true });
      m.bindPopup(() => facilityPopup(cat, i, f));
      m.on('dragstart', () => { dragging = true; });
      m.on('dragend', async () => {
        noteDragEnd();
        const p = m.getLatLng();
        const ok = await send({ type: 'move_facility', category: id, id: f.id, lon: p.lng, lat: p.lat });
        if (!ok) m.setLatLng(pos);
      });
      m.addTo(facilityLayer);
    });
    if (sk >= 0) {
      city.facilities[sk].forEach((f, i) => {
        if (closed.has(city.stop_category + '/' + i)) return;
        L.circleMarker([f.lat, f.lon], { radius: 4, color: '#fff', weight: 1, fillColor: '#6b46c1', fillOpacity: 1 })
          .bindPopup(() => facilityPopup(sk, i, f)).addTo(stopLayer);
      });
    }
    for (const e of added) {
      if (e.type === 'add_link') {
        L.polyline([[e.from[1], e.from[0]], [e.to[1], e.to[0]]], { color: '#c05621', weight: 4 }).bindTooltip(e.name || 'link').addTo(addedLayer);
        continue;
      }
      if (e.type === 'close_link') {
        L.circleMarker([e.lat, e.lon], { radius: 6, color: '#b42318', weight: 3, fill: false }).bindTooltip('street closed').addTo(addedLayer);
        continue;
      }
      if (e.type === 'set_population') {
        L.circleMarker([e.lat, e.lon], { radius: 7, color: '#fff', weight: 2, fillColor: '#805ad5', fillOpacity: 1 })
          .bindTooltip((e.name || 'housing') + ': ' + fmt(e.residents) + ' residents').addTo(addedLayer);
        continue;
      }
      if (e.type === 'profile' || e.type === 'close_way') continue;
      const isStop = e.type === 'add_stop';
      if (!isStop && e.category !== id) continue;
      // Dragged like a base facility: the drop is one move_added edit of this add.
      const size = isStop ? 14 : 20;
      const icon = L.divIcon({ className: isStop ? 'added-icon added-stop' : 'added-icon', iconSize: [size, size] });
      const m = L.marker(e.at, { icon, draggable: true, autoPan: true, title: e.name || e.type });
      m.bindTooltip((e.name || e.type) + ' (added by edit ' + e.n + ': drag to move, undo to remove)');
      m.on('dragstart', () => { dragging = true; });
      m.on('dragend', async () => {
        noteDragEnd();
        const p = m.getLatLng();
        const ok = await send({ type: 'move_added', edit: e.n, lon: p.lng, lat: p.lat });
        if (!ok) m.setLatLng(e.at);
      });
      m.addTo(addedLayer);
    }
  }

  // A drag ends with a mouseup, and the browser may follow it with a click on the map (when
  // the pointer left the marker): that click must not add a facility. Clicks during a drag
  // and within a moment after its end are ignored, so that one drag is exactly one edit.
  let dragging = false, dragEndedAt = -Infinity;
  function noteDragEnd() {
    dragging = false;
    dragEndedAt = performance.now();
  }
  const justDragged = () => dragging || performance.now() - dragEndedAt < 400;

  // A link is drawn with two clicks: the first end waits here.
  let linkStart = null;
  const linkMarker = L.layerGroup().addTo(map);

  map.on('click', (ev) => {
    if (justDragged()) return;
    const mode = document.querySelector('input[name=mode]:checked').value;
    if (mode === 'none') return;
    const name = $('new-name').value.trim();
    const at = [ev.latlng.lng, ev.latlng.lat];
    if (mode === 'link') {
      if (!linkStart) {
        linkStart = at;
        L.circleMarker([at[1], at[0]], { radius: 5, color: '#c05621', fillOpacity: 1 }).addTo(linkMarker);
        $('message').className = '';
        $('message').textContent = 'Click the other end of the footpath / gate.';
        return;
      }
      const from = linkStart;
      linkStart = null;
      linkMarker.clearLayers();
      send({ type: 'add_link', from, to: at, name: name || 'footpath' });
      return;
    }
    if (mode === 'close_link') {
      send({ type: 'close_link', lon: at[0], lat: at[1] });
      return;
    }
    if (mode === 'housing') {
      send({ type: 'set_population', lon: at[0], lat: at[1], residents: +$('residents').value || 0, name: name || 'new housing' });
      return;
    }
    if (mode === 'stop') {
      send({ type: 'add_stop', lon: ev.latlng.lng, lat: ev.latlng.lat, name: name || 'new stop' });
      return;
    }
    const e = { type: 'add_facility', category: city.categories[cat].id, lon: ev.latlng.lng, lat: ev.latlng.lat, name };
    const cap = parseFloat($('new-capacity').value);
    if (cap > 0) e.capacity = cap;
    send(e);
  });
  map.on('zoomend', drawHomes);

  // ---- the side table ----------------------------------------------------------------------
  function rows() {
    const id = city.categories[cat].id;
    return (st ? st.communities : []).map((c) => {
      const x = c.categories[id];
      return {
        c: c.community, name: c.name,
        gained: x ? x.gained : 0, lost: x ? x.lost : 0,
        share_before: x ? x.share_before : city.communities[c.community].share[cat],
        share: x ? x.share_after : city.communities[c.community].share[cat],
        pass_before: x ? x.pass_before : city.communities[c.community].pass[cat],
        pass: x ? x.pass_after : city.communities[c.community].pass[cat],
        score_before: c.score_before, score: c.score_after,
      };
    }).filter((r) => r.gained || r.lost || r.share !== r.share_before || r.score !== r.score_before);
  }

  function drawTable() {
    const list = rows();
    list.sort((a, b) => {
      const x = a[sortKey], y = b[sortKey];
      if (x < y) return -sortDir;
      if (x > y) return sortDir;
      return a.c - b.c;
    });
    const tb = document.querySelector('#change-table tbody');
    tb.innerHTML = '';
    for (const r of list) {
      const tr = document.createElement('tr');
      tr.dataset.community = r.c;
      const flip = r.pass !== r.pass_before ? (r.pass ? 'flip-pass' : 'flip-fail') : '';
      tr.innerHTML =
        '<td>' + escapeHtml(r.name || ('#' + r.c)) + '</td>' +
        '<td class="num gain" data-gained="' + r.gained + '">' + (r.gained ? '+' + fmt(r.gained) : '0') + '</td>' +
        '<td class="num loss" data-lost="' + r.lost + '">' + (r.lost ? '−' + fmt(r.lost) : '0') + '</td>' +
        '<td class="num">' + pct(r.share_before) + ' → ' + pct(r.share) + '</td>' +
        '<td class="' + flip + '">' + (r.pass ? 'pass' : 'fail') + (flip ? (r.pass ? ' (was fail)' : ' (was pass)') : '') + '</td>' +
        '<td class="num">' + r.score_before.toFixed(1) + ' → ' + r.score.toFixed(1) + '</td>';
      tr.addEventListener('mouseenter', () => communityLayers[r.c] && communityLayers[r.c].setStyle({ weight: 3, color: '#000' }));
      tr.addEventListener('mouseleave', () => communityLayers[r.c] && communityLayers[r.c].setStyle({ weight: 1, color: '#444' }));
      tb.appendChild(tr);
    }
    $('no-changes').style.display = list.length ? 'none' : '';
    document.querySelectorAll('#change-table th').forEach((th) => {
      const on = th.dataset.key === sortKey;
      th.classList.toggle('sorted', on);
      th.textContent = th.textContent.replace(/ [▲▼]$/, '') + (on ? (sortDir < 0 ? ' ▼' : ' ▲') : '');
    });
  }

  document.querySelectorAll('#change-table th').forEach((th) => {
    th.addEventListener('click', () => {
      if (sortKey === th.dataset.key) sortDir = -sortDir;
      else { sortKey = th.dataset.key; sortDir = th.dataset.key === 'name' ? 1 : -1; }
      drawTable();
    });
  });

  function drawTotals() {
    const c = st.city.categories[cat];
    $('score-before').textContent = st.city.score_before.toFixed(2);
    $('score-after').textContent = st.city.score_after.toFixed(2);
    $('covered-before').textContent = fmt(c.covered_before) + ' (' + pct(c.share_before) + ')';
    $('covered-after').textContent = fmt(c.covered_after) + ' (' + pct(c.share_after) + ')';
    $('total-gained').textContent = fmt(c.gained);
    $('total-gained').dataset.value = c.gained;
    $('total-lost').textContent = fmt(c.lost);
    const name = city.categories[cat].name_zh ? city.categories[cat].name_zh + ' ' + city.categories[cat].id : city.categories[cat].id;
    document.querySelectorAll('.cat-name').forEach((s) => { s.textContent = name; });
  }

  function drawEdits() {
    const ol = $('edit-list');
    ol.innerHTML = '';
    for (const e of st.edits) {
      const li = document.createElement('li');
      const what = e.type === 'move_added' ? 'of edit ' + e.edit : e.facility ? (e.facility.name || e.facility.id) : e.profile ? e.profile : e.type === 'set_population' ? (e.name || '') + ' ' + fmt(e.residents) + ' residents' : (e.name || '');
      li.textContent = e.type.replace('_', ' ') + (e.category ? ' ' + e.category : '') + (what ? ' “' + what + '”' : '') +
        (e.homes_changed || !['add_link', 'close_link', 'close_way', 'set_population', 'profile'].includes(e.type) ? ' — ' + e.homes_changed + ' home results changed' : ' (rebuilt)');
      ol.appendChild(li);
    }
    $('undo').disabled = !st.can_undo;
    $('redo').disabled = !st.can_redo;
  }

  // Network, population and profile edits are evaluated in the background: poll until done.
  let polling = null;
  function watchRebuild() {
    const r = st.rebuild;
    const m = $('message');
    if (r && r.error) {
      m.className = 'error';
      m.textContent = 'The network edit could not be evaluated: ' + r.error + '\nUndo it to go on.';
    } else if (r && (r.pending || r.stale)) {
      m.className = 'busy';
      m.textContent = 'rebuilding the network and re-measuring every home… ' + r.seconds.toFixed(1) + ' s (the figures shown are the previous ones)';
    } else if (m.classList.contains('busy') && pending === 0) {
      m.className = '';
      m.textContent = '';
    }
    // The printed map draws what the background run measured: wait for it.
    const waiting = !!(r && (r.pending || r.stale) && !r.error);
    $('export-pdf').disabled = waiting;
    $('export-png').disabled = waiting;
    if (r && (r.pending || r.stale) && !r.error && !polling) {
      polling = setTimeout(async () => {
        polling = null;
        try { show(await api('GET', '/api/sessions/' + session)); } catch (e) { showError(e); }
      }, 300);
    }
  }

  // Scenario A, pinned in this tab: its figures (from the server) beside the current ones.
  let pinned = null;
  function drawCompare() {
    const t = $('compare-table');
    if (!pinned) { t.hidden = true; return; }
    t.hidden = false;
    const tb = t.querySelector('tbody');
    tb.innerHTML = '';
    const row = (label, b, a, n, f) => {
      const tr = document.createElement('tr');
      tr.innerHTML = '<td>' + escapeHtml(label) + '</td><td class="num">' + f(b) + '</td><td class="num">' + f(a) + '</td><td class="num">' + f(n) + '</td>';
      tb.appendChild(tr);
    };
    row('edits', 0, pinned.edits, st.edits.length, String);
    row('city score', st.city.score_before, pinned.city.score_after, st.city.score_after, (x) => x.toFixed(2));
    city.categories.forEach((c, k) => {
      const b = st.city.categories[k].share_before, a = pinned.city.categories[k].share_after, n = st.city.categories[k].share_after;
      if (a === b && n === b && k !== cat) return;
      row((c.name_zh || c.id) + ' covered', b, a, n, pct);
    });
  }
  $('pin').addEventListener('click', () => {
    pinned = { edits: st.edits.length, city: JSON.parse(JSON.stringify(st.city)) };
    $('pin-note').textContent = 'A = ' + pinned.edits + ' edits (saved in this tab only: save it as a file to keep it)';
    drawCompare();
  });

  function show(s) {
    st = s;
    drawTotals();
    drawTable();
    drawEdits();
    drawFacilities();
    recolour();
    const prof = st.edits.filter((e) => e.type === 'profile').pop();
    $('profile').value = prof ? prof.profile : city.profile;
    watchRebuild();
    drawCompare();
    drawFileCompare();
  }

  // ---- controls ------------------------------------------------------------------------------
  $('category').addEventListener('change', () => { cat = +$('category').value; show(st); });
  $('colour').addEventListener('change', recolour);
  $('profile').addEventListener('change', () => send({ type: 'profile', profile: $('profile').value }));
  $('undo').addEventListener('click', () => step('undo'));
  $('redo').addEventListener('click', () => step('redo'));
  document.addEventListener('keydown', (e) => {
    if (!(e.ctrlKey || e.metaKey) || e.target.tagName === 'INPUT') return;
    if (e.key === 'z' && !e.shiftKey && st.can_undo) { e.preventDefault(); step('undo'); }
    if ((e.key === 'y' || (e.key === 'z' && e.shiftKey)) && st.can_redo) { e.preventDefault(); step('redo'); }
  });
  $('load').addEventListener('change', async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    try {
      show(await api('PUT', '/api/sessions/' + session + '/scenario', await file.text(), 'application/toml'));
      clearMessage();
    } catch (e) {
      showError(e);
    }
    ev.target.value = '';
  });

  // Two scenario files side by side: each evaluated by the server as lc15 scenario would.
  let compared = null;
  function drawFileCompare() {
    const t = $('files-table');
    if (!compared) { t.hidden = true; return; }
    t.hidden = false;
    const [a, b] = compared.scenarios;
    const id = city.categories[cat].id;
    t.querySelector('thead').innerHTML = '<tr><th></th><th class="num">' + escapeHtml(a.label) + '</th><th class="num">' + escapeHtml(b.label) + '</th></tr>';
    const tb = t.querySelector('tbody');
    tb.innerHTML = '';
    const row = (label, x, y, cls) => {
      const tr = document.createElement('tr');
      if (cls) tr.className = cls;
      tr.innerHTML = '<td>' + label + '</td><td class="num">' + x + '</td><td class="num">' + y + '</td>';
      tb.appendChild(tr);
      return tr;
    };
    row('edits', a.edits, b.edits);
    row('city score', a.city.score_after.toFixed(2), b.city.score_after.toFixed(2));
    const ca = a.city.categories[cat], cb = b.city.categories[cat];
    row('covered (' + escapeHtml(id) + ')', fmt(ca.covered_after) + ' (' + pct(ca.share_after) + ')', fmt(cb.covered_after) + ' (' + pct(cb.share_after) + ')');
    row('gained / lost', '+' + fmt(ca.gained) + ' / −' + fmt(ca.lost), '+' + fmt(cb.gained) + ' / −' + fmt(cb.lost)).dataset.gained = ca.gained + ',' + cb.gained;
    const coms = new Map();
    [a, b].forEach((s, side) => {
      for (const c of s.communities) {
        const x = c.categories[id];
        if (!x) continue;
        if (!coms.has(c.community)) coms.set(c.community, [null, null]);
        coms.get(c.community)[side] = x;
      }
    });
    const cell = (x, c) => {
      if (!x) return '0 · ' + (city.communities[c].pass[cat] ? 'pass' : 'fail');
      const flip = x.pass_after !== x.pass_before;
      return (x.gained ? '+' + fmt(x.gained) : '0') + (x.lost ? ' −' + fmt(x.lost) : '') + ' · ' +
        '<span class="' + (flip ? (x.pass_after ? 'flip-pass' : 'flip-fail') : '') + '">' + (x.pass_after ? 'pass' : 'fail') + (flip ? (x.pass_after ? ' (was fail)' : ' (was pass)') : '') + '</span>';
    };
    const list = [...coms.entries()].sort((p, q) => {
      const g = (v) => Math.max(v[0] ? v[0].gained : 0, v[1] ? v[1].gained : 0);
      return g(q[1]) - g(p[1]) || p[0] - q[0];
    });
    for (const [c, [x, y]] of list) {
      const tr = row(escapeHtml(city.communities[c].name || '#' + c), cell(x, c), cell(y, c));
      tr.dataset.community = c;
    }
  }
  $('compare-files').addEventListener('click', async () => {
    const fa = $('file-a').files[0], fb = $('file-b').files[0];
    if (!fa || !fb) { showError(new Error('Choose two scenario files (A and B) first.')); return; }
    try {
      const body = { scenarios: [{ label: fa.name, text: await fa.text() }, { label: fb.name, text: await fb.text() }] };
      compared = await api('POST', '/api/compare', JSON.stringify(body));
      clearMessage();
      drawFileCompare();
    } catch (e) {
      showError(e);
    }
  });

  // The printable map of what is on screen: the chosen category, this session's edits, the
  // current view; drawn by the server (lc15 map's renderer) and saved as a download.
  async function exportMap(format) {
    const b = map.getBounds();
    const body = { format, category: city.categories[cat].id, bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] };
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    pending++;
    setBusy();
    try {
      const r = await fetch('/api/sessions/' + session + '/export', { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
      if (!r.ok) {
        const j = await r.json();
        const e = new Error(j.error || ('HTTP ' + r.status));
        e.fix = j.fix;
        throw e;
      }
      const url = URL.createObjectURL(await r.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = 'lc15_' + city.categories[cat].id + '.' + format;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      clearMessage();
    } catch (e) {
      showError(e);
    } finally {
      pending--;
      setBusy();
    }
  }
  $('export-pdf').addEventListener('click', () => exportMap('pdf'));
  $('export-png').addEventListener('click', () => exportMap('png'));

  // ---- the optimiser: sites shown on the map, kept or dropped one by one -------------------
  const siteLayer = L.layerGroup().addTo(map);
  let sites = [];
  function drawSites() {
    siteLayer.clearLayers();
    const ol = $('opt-sites');
    ol.innerHTML = '';
    sites.forEach((site, i) => {
      const icon = L.divIcon({ className: 'site-icon', html: String(site.n), iconSize: [20, 20] });
      L.marker([site.lat, site.lon], { icon, title: 'site ' + site.n }).addTo(siteLayer);
      const li = document.createElement('li');
      li.value = site.n;
      li.innerHTML = '+' + fmt(site.gain) + ' residents (' + pct(site.share) + ' with sites 1–' + site.n + ') ';
      const keep = document.createElement('button');
      keep.textContent = 'Keep';
      keep.addEventListener('click', async () => {
        const ok = await send({ type: 'add_facility', category: sites[i].category, lon: site.lon, lat: site.lat, name: 'site ' + site.n });
        if (ok) { sites.splice(i, 1); drawSites(); }
      });
      const drop = document.createElement('button');
      drop.textContent = 'Drop';
      drop.addEventListener('click', () => { sites.splice(i, 1); drawSites(); });
      li.appendChild(keep);
      li.appendChild(drop);
      ol.appendChild(li);
    });
  }
  $('opt-run').addEventListener('click', async () => {
    try {
      const r = await api('POST', '/api/sessions/' + session + '/optimize', JSON.stringify({ category: city.categories[cat].id, k: +$('opt-k').value || 1 }));
      sites = r.sites.map((x, i) => ({ ...x, n: i + 1, category: r.category }));
      clearMessage();
      drawSites();
      if (!sites.length) { $('message').textContent = 'No site would cover anyone new.'; }
    } catch (e) {
      showError(e);
    }
  });

  // ---- start ---------------------------------------------------------------------------------
  async function start() {
    city = await api('GET', '/api/city');
    $('city-name').textContent = city.name;
    document.title = 'lc15 — ' + city.name;
    const sel = $('category');
    city.categories.forEach((c, i) => {
      const o = document.createElement('option');
      o.value = i;
      o.textContent = (c.name_zh ? c.name_zh + ' · ' : '') + c.id + ' (' + c.level_minutes + ' min, ' + c.radius_m + ' m)';
      sel.appendChild(o);
    });
    for (const p of city.profiles) {
      const o = document.createElement('option');
      o.value = p;
      o.textContent = { adult: 'adult 成人', elderly: 'elderly 老人', barrier_free: 'barrier-free 无障碍' }[p] || p;
      $('profile').appendChild(o);
    }
    $('profile').value = city.profile;
    const kg = city.categories.findIndex((c) => c.id === 'kindergarten');
    cat = kg >= 0 ? kg : 0;
    sel.value = cat;
    const b = city.bbox;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
    if (city.streets && city.streets.length)
      L.polyline(city.streets.map((s) => s.map(ll)), { color: '#9a9a9a', weight: 1, interactive: false }).addTo(map);
    city.communities.forEach((c) => {
      const layer = L.polygon(c.polygons.map((p) => p.map((r) => r.map(ll))), {
        color: '#444', weight: 1, fillOpacity: 0.55, bubblingMouseEvents: true,
      });
      layer.bindTooltip(communityTooltip(communityLayers.length), { sticky: true });
      layer.addTo(map);
      communityLayers.push(layer);
    });
    const s = await api('POST', '/api/sessions');
    session = s.session;
    $('save').href = '/api/sessions/' + session + '/scenario.toml' + (token ? '?token=' + encodeURIComponent(token) : '');
    // A closed tab frees its session (the server also drops sessions idle too long).
    addEventListener('pagehide', () => {
      fetch('/api/sessions/' + session, { method: 'DELETE', keepalive: true, headers: token ? { Authorization: 'Bearer ' + token } : {} });
    });
    drawHomes();
    drawNetwork();
    show(s);
    document.body.dataset.readyMs = Math.round(performance.now());
    document.body.dataset.ready = '1';
  }

  window.lc15 = { map, get city() { return city; }, get state() { return st; }, get session() { return session; } };
  start().catch(showError);
})();
