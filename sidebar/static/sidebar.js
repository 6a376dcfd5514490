/* The sidebar page: WeCom JS-SDK context → one API round trip → the customer or group.
 *
 * Flow: wx.config (corp ticket) → wx.ready → wx.agentConfig (app ticket) →
 * wx.invoke('getContext') → entry: single_chat_tools / contact_profile →
 * getCurExternalContact → GET /sidebar/api/customers/{userId} (everything the first
 * screen shows); group_chat_tools → getCurExternalChat → GET /sidebar/api/groups/{chatId}.
 *
 * `wx` is the object WeCom's JS-SDK provides inside the client. Outside WeCom there is
 * none and the page says so; the preview page (/sidebar/preview) frames this page and
 * lends it a stand-in with the same methods. No data is ever put into innerHTML.
 */
(function () {
  'use strict';

  var boot = JSON.parse(document.getElementById('boot').textContent);
  var API = '/sidebar/api';
  var SEND_ENTRIES = ['single_chat_tools', 'group_chat_tools', 'chat_attachment', 'single_kf_tools'];
  var SDK_URL = 'https://res.wx.qq.com/open/js/jweixin-1.2.0.js';
  var state = {
    wx: null, entry: '', customer: '', group: '', profile: null, groupView: null,
    tab: 'overview', replies: null, tagLibrary: null, history: null, historyOf: '',
    historyQuery: '', backToGroup: ''
  };
  var app = document.getElementById('app');

  // -- small helpers ---------------------------------------------------------------

  function UserError(message) { this.message = message; }

  function h(tag, attrs) {
    var el = document.createElement(tag);
    var children = Array.prototype.slice.call(arguments, 2);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key.slice(0, 2) === 'on') el.addEventListener(key.slice(2), value);
        else if (key === 'text') el.textContent = value;
        else el.setAttribute(key, value === true ? '' : String(value));
      });
    }
    children.forEach(function add(child) {
      if (child === null || child === undefined || child === false) return;
      if (Array.isArray(child)) child.forEach(add);
      else el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return el;
  }

  function svg(tag, attrs) {
    var el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, String(attrs[k])); });
    Array.prototype.slice.call(arguments, 2).forEach(function (c) { if (c) el.appendChild(c); });
    return el;
  }

  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function when(seconds) {
    if (!seconds) return '—';
    var d = new Date(seconds * 1000);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
      pad(d.getHours()) + ':' + pad(d.getMinutes());
  }
  function whenMs(ms) { return ms ? when(Math.floor(ms / 1000)) : '—'; }
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    if (seconds < 60) return Math.round(seconds) + ' 秒';
    if (seconds < 3600) return Math.round(seconds / 60) + ' 分钟';
    if (seconds < 86400) return (seconds / 3600).toFixed(1) + ' 小时';
    return (seconds / 86400).toFixed(1) + ' 天';
  }
  function name(userid) {
    var names = (state.profile && state.profile.names) || {};
    return names[userid] || userid || '';
  }

  function notice(text, kind) {
    var box = document.getElementById('notice');
    box.textContent = text;
    box.className = 'notice ' + (kind || '');
    box.hidden = !text;
    if (text && kind !== 'error') setTimeout(function () { if (box.textContent === text) box.hidden = true; }, 2500);
  }

  function request(method, path, body) {
    var headers = { 'Accept': 'application/json', 'X-Sidebar-Page': location.pathname + location.search };
    if (method !== 'GET') {
      headers['Content-Type'] = 'application/json';
      headers['X-CSRF-Token'] = boot.csrf;
    }
    return fetch(path, {
      method: method, credentials: 'same-origin', headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (res) {
      if (res.status === 401) {
        location.href = boot.login;
        throw new UserError('正在重新登录…');
      }
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          var err = new UserError(data.message || messageFor(res.status, data.error));
          err.status = res.status;
          throw err;
        }
        return data;
      });
    });
  }

  function messageFor(status, code) {
    if (status === 403) return '你没有查看这个客户或群的权限';
    if (status === 409) return '只有添加了该客户的员工可以修改';
    if (status >= 500) return '服务暂时不可用，请稍后重试';
    return code || '请求失败';
  }

  // -- the WeCom JS-SDK ---------------------------------------------------------------

  function obtainWx() {
    return new Promise(function (resolve, reject) {
      if (window.wx && typeof window.wx.invoke === 'function') return resolve(window.wx);
      try {
        if (window.parent !== window && window.parent.wecomPreview) {
          return resolve(window.parent.wecomPreview.createWx(window));
        }
      } catch (e) { /* a parent on another origin: not our preview */ }
      if (/wxwork/i.test(navigator.userAgent)) {
        var script = document.createElement('script');
        script.src = SDK_URL;
        script.onload = function () {
          if (window.wx) resolve(window.wx); else reject(new UserError('企业微信 JS-SDK 加载失败'));
        };
        script.onerror = function () { reject(new UserError('企业微信 JS-SDK 加载失败，请检查网络')); };
        document.head.appendChild(script);
        return;
      }
      reject(new UserError('请在企业微信中，从客户聊天的工具栏（或客户详情页）打开本页面。'));
    });
  }

  function configure(wx, cfg) {
    return new Promise(function (resolve, reject) {
      var done = false;
      wx.error(function (res) {
        if (!done) { done = true; reject(new UserError('JS-SDK 配置失败：' + (res && res.errMsg || ''))); }
      });
      wx.config(cfg.config);
      wx.ready(function () {
        var agent = Object.assign({}, cfg.agentConfig, {
          success: function () { if (!done) { done = true; resolve(); } },
          fail: function (res) {
            if (!done) {
              done = true;
              reject(new UserError('应用身份校验失败：' + (res && (res.errMsg || res.err_msg) || '')));
            }
          }
        });
        wx.agentConfig(agent);
      });
    });
  }

  function invoke(name, args) {
    return new Promise(function (resolve, reject) {
      state.wx.invoke(name, args || {}, function (res) {
        if (res && res.err_msg === name + ':ok') resolve(res);
        else reject(Object.assign(new UserError(name + ' 失败：' + (res && res.err_msg || '')), { res: res }));
      });
    });
  }

  function start() {
    document.getElementById('who').textContent = boot.name || boot.userid;
    var here = location.href.split('#')[0];
    obtainWx().then(function (wx) {
      state.wx = wx;
      var cfg = boot.jsconfig;
      var fetched = (cfg && cfg.url === here) ? Promise.resolve(cfg) :
        request('GET', API + '/jsconfig?url=' + encodeURIComponent(here));
      return fetched.then(function (cfg) {
        if (!cfg.agentConfig) throw new UserError('应用缺少 agentid，无法获取聊天上下文');
        return configure(wx, cfg).catch(function () {
          // A ticket WeCom invalidated early: ask once for fresh signatures.
          return request('GET', API + '/jsconfig?refresh=1&url=' + encodeURIComponent(here))
            .then(function (fresh) { return configure(wx, fresh); });
        });
      });
    }).then(function () {
      return invoke('getContext');
    }).then(function (ctx) {
      state.entry = ctx.entry || '';
      if (state.entry === 'single_chat_tools' || state.entry === 'contact_profile') {
        return invoke('getCurExternalContact').then(function (res) { return openCustomer(res.userId); });
      }
      if (state.entry === 'group_chat_tools') {
        return invoke('getCurExternalChat').then(function (res) { return openGroup(res.chatId); });
      }
      throw new UserError('请从客户聊天的工具栏或客户详情页打开侧边栏（当前入口：' + (state.entry || '未知') + '）。');
    }).catch(showError);
  }

  function showError(err) {
    var text = err && err.message ? err.message : String(err);
    clear(h('div', { 'class': 'empty', 'data-test': 'error' }, h('p', null, text)));
  }

  function clear(node) {
    while (app.firstChild) app.removeChild(app.firstChild);
    if (node) app.appendChild(node);
  }

  // -- the customer ------------------------------------------------------------------------

  function openCustomer(externalUserid, fromGroup) {
    state.customer = externalUserid;
    state.backToGroup = fromGroup || '';
    state.history = null;
    state.historyOf = '';
    state.historyQuery = '';
    clear(h('p', { 'class': 'hint' }, '正在加载客户资料…'));
    var replies = state.replies ? Promise.resolve(state.replies) :
      request('GET', API + '/quick-replies').catch(function () { return null; });
    return Promise.all([loadProfile(), replies]).then(function (both) {
      state.replies = both[1];
      render();
      if (state.profile.refreshing) {
        // WeCom is being asked for fresher data in the background: look again once.
        setTimeout(function () { loadProfile().then(render).catch(function () {}); }, 1500);
      }
    });
  }

  function loadProfile() {
    return request('GET', API + '/customers/' + encodeURIComponent(state.customer)).then(function (p) {
      state.profile = p;
      return p;
    });
  }

  function refresh() { return loadProfile().then(render); }

  function render() {
    var p = state.profile;
    var c = p.customer;
    var tabs = [['overview', '概况'], ['replies', '话术'], ['history', '聊天记录'], ['timeline', '动态']];
    var body;
    if (state.tab === 'replies') body = repliesView();
    else if (state.tab === 'history') body = historyView();
    else if (state.tab === 'timeline') body = timelineView();
    else body = overview();
    clear(h('div', { 'class': 'customer', 'data-test': 'customer' },
      state.backToGroup ? h('button', { 'class': 'link', onclick: function () { openGroup(state.backToGroup); } }, '← 返回群聊') : null,
      h('section', { 'class': 'card head' },
        avatar(c),
        h('div', null,
          h('h1', { 'data-test': 'customer-name' }, c.name || c.external_userid,
            h('span', { 'class': 'badge ' + (c.type === 2 ? 'wecom' : 'wechat') },
              c.type === 2 ? '@' + (c.corp_name || '企业微信') : '@微信')),
          h('p', { 'class': 'muted' }, [c.position, c.corp_full_name].filter(Boolean).join(' · ')),
          p.stage.name ? h('span', { 'class': 'pill', 'data-test': 'stage' }, p.stage.name) : null)),
      p.access.predecessors.length ? successorBanner(p) : null,
      h('nav', { 'class': 'tabs' }, tabs.map(function (t) {
        return h('button', {
          'class': state.tab === t[0] ? 'on' : '', 'data-test': 'tab-' + t[0],
          onclick: function () { state.tab = t[0]; render(); }
        }, t[1]);
      })),
      body));
  }

  function avatar(c) {
    var letter = h('span', { 'class': 'avatar letter' }, (c.name || '?').slice(0, 1));
    if (!c.avatar) return letter;
    var img = h('img', { 'class': 'avatar', src: c.avatar, alt: '', referrerpolicy: 'no-referrer' });
    img.addEventListener('error', function () { if (img.parentNode) img.parentNode.replaceChild(letter, img); });
    return img;
  }

  function successorBanner(p) {
    var from = p.access.predecessors.map(function (x) { return name(x.userid); }).join('、');
    var at = p.access.predecessors[0].at;
    return h('section', { 'class': 'card banner', 'data-test': 'successor-banner' },
      h('p', null, '该客户由 ' + from + ' 于 ' + when(at) + ' 转交给你。'),
      p.access.successor_view ?
        h('button', { 'data-test': 'open-successor', onclick: function () { openHistory('predecessors'); } }, '查看前任的聊天记录') :
        h('p', { 'class': 'muted' }, '管理员未开放前任聊天记录。'));
  }

  function section(title, testId) {
    var rest = Array.prototype.slice.call(arguments, 2);
    return h('section', { 'class': 'card', 'data-test': testId }, h('h2', null, title), rest);
  }

  function overview() {
    var p = state.profile;
    return h('div', null,
      relationshipView(p), tagsView(p), stageView(p), fieldsView(p), remindersView(p),
      notesView(p), insightsView(p), followersView(p));
  }

  function relationshipView(p) {
    var r = p.relationship;
    if (!r) {
      return section('关系', 'relationship', h('p', { 'class': 'muted' },
        p.access.reason === 'manager' ? '你以负责人身份查看该客户。' : '你还没有添加该客户。'));
    }
    var form = h('form', { 'class': 'edit', hidden: true, onsubmit: function (e) {
      e.preventDefault();
      request('POST', API + '/customers/' + encodeURIComponent(state.customer) + '/remark', {
        remark: form.elements.remark.value, description: form.elements.description.value
      }).then(function () { notice('备注已保存'); return refresh(); }).catch(function (err) { notice(err.message, 'error'); });
    } },
      h('label', null, '备注', h('input', { name: 'remark', maxlength: 20, value: r.remark })),
      h('label', null, '描述', h('textarea', { name: 'description', maxlength: 150, rows: 3 }, r.description)),
      h('button', { 'class': 'primary', type: 'submit', 'data-test': 'save-remark' }, '保存'));
    return section('关系', 'relationship',
      h('dl', null,
        h('dt', null, '备注'), h('dd', { 'data-test': 'remark' }, r.remark || '—'),
        h('dt', null, '描述'), h('dd', null, r.description || '—'),
        h('dt', null, '添加时间'), h('dd', null, when(r.added_at)),
        h('dt', null, '添加方式'), h('dd', null, r.add_way_label),
        r.state ? h('dt', null, '渠道') : null, r.state ? h('dd', null, r.state) : null),
      h('button', { 'class': 'link', 'data-test': 'edit-remark', onclick: function () { form.hidden = !form.hidden; } }, '编辑备注'),
      form);
  }

  function tagsView(p) {
    var chips = p.tags.assigned.map(function (t) {
      return h('span', { 'class': 'chip' + (t.editable ? '' : ' fixed'), title: t.group }, t.name);
    }).concat(p.tags.personal.map(function (t) {
      return h('span', { 'class': 'chip personal', title: '个人标签（企业微信不允许应用修改）' }, t.name);
    }));
    var editor = h('div', { 'class': 'tag-editor', hidden: true, 'data-test': 'tag-editor' });
    var button = p.access.can_edit_relation ?
      h('button', { 'class': 'link', 'data-test': 'edit-tags', onclick: function () { openTagEditor(editor); } }, '编辑标签') : null;
    var others = !p.relationship ? p.followers.map(function (f) {
      return h('p', { 'class': 'muted' }, name(f.userid) + '：' +
        ((f.tags && f.tags.assigned.map(function (t) { return t.name; }).join('、')) || '无标签'));
    }) : null;
    return section('标签', 'tags', h('div', { 'class': 'chips', 'data-test': 'tag-list' },
      chips.length ? chips : h('span', { 'class': 'muted' }, '暂无标签')), others, button, editor);
  }

  function openTagEditor(editor) {
    editor.hidden = !editor.hidden;
    if (editor.hidden) return;
    var library = state.tagLibrary ? Promise.resolve(state.tagLibrary) : request('GET', API + '/tags');
    library.then(function (lib) {
      state.tagLibrary = lib;
      var current = {};
      state.profile.tags.assigned.forEach(function (t) { current[t.id] = true; });
      var chosen = Object.assign({}, current);
      while (editor.firstChild) editor.removeChild(editor.firstChild);
      lib.groups.forEach(function (g) {
        editor.appendChild(h('div', { 'class': 'tag-group' }, h('h3', null, g.name),
          h('div', { 'class': 'chips' }, g.tags.map(function (t) {
            var chip = h('button', {
              type: 'button', 'class': 'chip toggle' + (chosen[t.id] ? ' on' : ''), 'data-tag': t.id,
              onclick: function () { chosen[t.id] = !chosen[t.id]; chip.className = 'chip toggle' + (chosen[t.id] ? ' on' : ''); }
            }, t.name);
            return chip;
          }))));
      });
      editor.appendChild(h('button', { 'class': 'primary', 'data-test': 'save-tags', onclick: function () {
        var add = Object.keys(chosen).filter(function (id) { return chosen[id] && !current[id]; });
        var remove = Object.keys(current).filter(function (id) { return !chosen[id]; });
        if (!add.length && !remove.length) { editor.hidden = true; return; }
        request('POST', API + '/customers/' + encodeURIComponent(state.customer) + '/tags', { add: add, remove: remove })
          .then(function () { notice('标签已更新'); return refresh(); })
          .catch(function (err) { notice(err.message, 'error'); });
      } }, '保存标签'));
    }).catch(function (err) { notice(err.message, 'error'); });
  }

  function stageView(p) {
    var select = h('select', { 'data-test': 'stage-select', onchange: function () {
      request('PUT', API + '/customers/' + encodeURIComponent(state.customer) + '/stage', { stage: select.value })
        .then(function () { notice('阶段已更新'); return refresh(); })
        .catch(function (err) { notice(err.message, 'error'); });
    } }, h('option', { value: '' }, '未设置'), p.pipeline.map(function (s) {
      return h('option', { value: s.key, selected: s.key === p.stage.key }, s.name);
    }));
    return section('销售阶段', 'stage-card', select,
      p.stage.changed_at ? h('p', { 'class': 'muted' }, name(p.stage.changed_by) + ' 更新于 ' + when(p.stage.changed_at)) : null);
  }

  function fieldsView(p) {
    if (!p.fields.length) return null;
    var form = h('form', { 'class': 'edit', onsubmit: function (e) {
      e.preventDefault();
      var values = {};
      p.fields.forEach(function (f) { values[f.key] = form.elements[f.key].value; });
      request('PUT', API + '/customers/' + encodeURIComponent(state.customer) + '/fields', { values: values })
        .then(function () { notice('已保存'); return refresh(); })
        .catch(function (err) { notice(err.message, 'error'); });
    } }, p.fields.map(function (f) {
      var value = f.value === null || f.value === undefined ? '' : String(f.value);
      var input = f.type === 'select' ?
        h('select', { name: f.key }, h('option', { value: '' }, '—'), f.options.map(function (o) {
          return h('option', { value: o, selected: o === value }, o);
        })) :
        h('input', { name: f.key, value: value, type: f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : 'text', step: 'any' });
      return h('label', null, f.label, input);
    }), h('button', { 'class': 'primary', type: 'submit' }, '保存'));
    return section('客户信息', 'fields', form);
  }

  function remindersView(p) {
    var form = h('form', { 'class': 'inline', onsubmit: function (e) {
      e.preventDefault();
      var due = new Date(form.elements.due.value).getTime();
      if (!form.elements.text.value || !due) return;
      request('POST', API + '/customers/' + encodeURIComponent(state.customer) + '/reminders', {
        text: form.elements.text.value, due_at: Math.floor(due / 1000)
      }).then(function () { notice('已添加提醒'); return refresh(); }).catch(function (err) { notice(err.message, 'error'); });
    } }, h('input', { name: 'text', placeholder: '跟进提醒', maxlength: 255 }),
      h('input', { name: 'due', type: 'datetime-local' }),
      h('button', { type: 'submit' }, '添加'));
    return section('跟进提醒', 'reminders', h('ul', { 'class': 'plain' }, p.reminders.map(function (r) {
      return h('li', { 'class': r.overdue ? 'overdue' : '' }, h('span', null, when(r.due_at) + ' ' + r.text),
        h('button', { 'class': 'link', onclick: function () {
          request('POST', API + '/customers/' + encodeURIComponent(state.customer) + '/reminders/' + r.id + '/done')
            .then(refresh).catch(function (err) { notice(err.message, 'error'); });
        } }, '完成'));
    })), form);
  }

  function notesView(p) {
    var text = h('textarea', { rows: 2, maxlength: 2000, placeholder: '写一条跟进记录…', 'data-test': 'note-text' });
    return section('跟进记录', 'notes',
      h('form', { 'class': 'edit', onsubmit: function (e) {
        e.preventDefault();
        if (!text.value.trim()) return;
        request('POST', API + '/customers/' + encodeURIComponent(state.customer) + '/notes', { text: text.value })
          .then(function () { notice('已记录'); return refresh(); })
          .catch(function (err) { notice(err.message, 'error'); });
      } }, text, h('button', { 'class': 'primary', type: 'submit', 'data-test': 'add-note' }, '添加记录')),
      h('ul', { 'class': 'notes', 'data-test': 'note-list' }, p.notes.map(function (n) {
        return h('li', null, h('p', null, n.text), h('p', { 'class': 'muted' }, name(n.author) + ' · ' + when(n.at),
          n.mine ? h('button', { 'class': 'link', onclick: function () {
            request('DELETE', API + '/customers/' + encodeURIComponent(state.customer) + '/notes/' + n.id)
              .then(refresh).catch(function (err) { notice(err.message, 'error'); });
          } }, '删除') : null));
      })));
  }

  function hoursChart(hours) {
    var max = Math.max.apply(null, hours.concat([1]));
    var bars = hours.map(function (n, i) {
      var height = Math.round((n / max) * 40);
      return svg('rect', { x: i * 10 + 1, y: 44 - height, width: 8, height: Math.max(height, n ? 1 : 0), 'class': 'bar' },
        svg('title', {}, document.createTextNode(i + ' 点：' + n + ' 条')));
    });
    var labels = [0, 6, 12, 18, 23].map(function (i) {
      var t = svg('text', { x: i * 10 + 5, y: 56, 'text-anchor': 'middle', 'class': 'axis' });
      t.textContent = String(i);
      return t;
    });
    return svg.apply(null, ['svg', { viewBox: '0 0 240 60', 'class': 'hours', role: 'img', 'aria-label': '客户活跃时段', 'data-test': 'hours' }].concat(bars, labels));
  }

  function insightsView(p) {
    var s = p.insights;
    var consent = { agree: '已同意存档', default_agree: '默认同意存档', disagree: '拒绝存档', unknown: '未知' }[p.consent.status] || p.consent.status;
    return section('会话洞察', 'insights',
      h('dl', { 'class': 'grid' },
        h('dt', null, '首次沟通'), h('dd', null, whenMs(s.first_contact)),
        h('dt', null, '最近沟通'), h('dd', null, whenMs(s.last_contact)),
        h('dt', null, '我方消息'), h('dd', { 'data-test': 'sent' }, String(s.sent)),
        h('dt', null, '客户消息'), h('dd', { 'data-test': 'received' }, String(s.received)),
        h('dt', null, '回复用时（中位数）'), h('dd', null, duration(s.median_reply_seconds)),
        h('dt', null, '未回复'), h('dd', { 'class': s.unanswered ? 'alert' : '' }, String(s.unanswered)),
        h('dt', null, '会话存档'), h('dd', null, consent)),
      h('h3', null, '客户活跃时段'), hoursChart(s.active_hours),
      h('h3', null, '客户常说'),
      h('div', { 'class': 'chips', 'data-test': 'keywords' }, s.keywords.length ? s.keywords.map(function (k) {
        return h('span', { 'class': 'chip', title: k.count + ' 次' }, k.word);
      }) : h('span', { 'class': 'muted' }, '暂无')));
  }

  function followersView(p) {
    var others = p.followers.filter(function (f) { return f.userid !== p.viewer; });
    if (!others.length) return null;
    return section('也添加了该客户的同事', 'followers', h('ul', { 'class': 'plain' }, others.map(function (f) {
      return h('li', null, name(f.userid) + ' · ' + when(f.added_at) + (f.remark ? ' · 备注 ' + f.remark : ''));
    })));
  }

  // -- quick replies ---------------------------------------------------------------------

  function canSend() { return SEND_ENTRIES.indexOf(state.entry) >= 0; }

  function sendReply(reply, button) {
    if (!canSend()) {
      // From a customer's profile page WeCom has no chat to send into: copy instead.
      var copied = navigator.clipboard && navigator.clipboard.writeText ?
        navigator.clipboard.writeText(reply.content) : Promise.reject(new Error('no clipboard'));
      copied.then(function () { notice('已复制，可粘贴到聊天中'); }, function () { notice('请手动复制这段话术', 'error'); });
      return;
    }
    button.disabled = true;
    invoke('sendChatMessage', { msgtype: 'text', text: { content: reply.content } }).then(function () {
      notice('已发送');
      request('POST', API + '/quick-replies/' + reply.id + '/used').catch(function () {});
    }).catch(function (err) { notice(err.message, 'error'); }).then(function () { button.disabled = false; });
  }

  function loadReplies(query) {
    return request('GET', API + '/quick-replies' + (query ? '?q=' + encodeURIComponent(query) : ''))
      .then(function (r) { state.replies = r; return r; });
  }

  function repliesView() {
    var list = h('div', { 'data-test': 'reply-list' });
    var search = h('input', { type: 'search', placeholder: '搜索话术', 'data-test': 'reply-search' });
    var timer = null;
    search.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { loadReplies(search.value).then(function (r) { fill(r); }); }, 200);
    });
    function fill(r) {
      while (list.firstChild) list.removeChild(list.firstChild);
      if (!r || !r.groups.length) { list.appendChild(h('p', { 'class': 'muted' }, '没有话术')); return; }
      r.groups.forEach(function (g) {
        list.appendChild(h('section', { 'class': 'card' }, h('h2', null, g.name, g.shared ? h('span', { 'class': 'badge' }, '企业') : h('span', { 'class': 'badge mine' }, '我的')),
          h('ul', { 'class': 'replies' }, g.replies.map(function (reply) {
            var button = h('button', { 'class': 'primary', 'data-test': 'send-reply', 'data-reply': reply.id }, canSend() ? '发送' : '复制');
            button.addEventListener('click', function () { sendReply(reply, button); });
            return h('li', null, h('div', null, h('strong', null, reply.title), h('p', null, reply.content)), button);
          }))));
      });
    }
    fill(state.replies);
    var form = h('form', { 'class': 'edit', hidden: true, onsubmit: function (e) {
      e.preventDefault();
      request('POST', API + '/quick-replies', {
        group: form.elements.group.value, title: form.elements.title.value, content: form.elements.content.value
      }).then(function () { form.hidden = true; return loadReplies(search.value).then(fill); })
        .catch(function (err) { notice(err.message, 'error'); });
    } }, h('input', { name: 'group', placeholder: '分组', maxlength: 64 }), h('input', { name: 'title', placeholder: '标题', maxlength: 128 }),
      h('textarea', { name: 'content', rows: 3, placeholder: '话术内容', maxlength: 2000 }), h('button', { 'class': 'primary', type: 'submit' }, '保存'));
    return h('div', { 'class': 'replies-view' }, search,
      canSend() ? null : h('p', { 'class': 'muted' }, '从客户详情页打开时不能直接发送，点“复制”后粘贴到聊天中。'),
      list, h('button', { 'class': 'link', onclick: function () { form.hidden = !form.hidden; } }, '+ 新建我的话术'), form);
  }

  // -- history -----------------------------------------------------------------------------

  function openHistory(of) {
    state.tab = 'history';
    state.historyOf = of || '';
    state.history = null;
    render();
  }

  function historyUrl(before) {
    var q = [];
    if (state.historyOf) q.push('of=' + state.historyOf);
    if (state.historyQuery) q.push('q=' + encodeURIComponent(state.historyQuery));
    if (before) q.push('before=' + encodeURIComponent(before));
    return API + '/customers/' + encodeURIComponent(state.customer) + '/messages' + (q.length ? '?' + q.join('&') : '');
  }

  function bubble(m) {
    var ours = m.direction === 'to_customer';
    return h('li', { 'class': 'msg ' + (ours ? 'ours' : 'theirs') + (m.predecessor ? ' predecessor' : ''), 'data-test': m.predecessor ? 'predecessor-message' : 'message' },
      h('p', { 'class': 'meta' }, (ours ? name(m.employee) : (state.profile.customer.name || '客户')) + ' · ' + whenMs(m.at),
        m.predecessor ? h('span', { 'class': 'badge old' }, '前任·' + name(m.employee)) : null),
      h('p', { 'class': m.recalled ? 'recalled' : '' }, m.recalled ? '（已撤回）' : m.text));
  }

  function historyView() {
    var p = state.profile;
    var list = h('ul', { 'class': 'messages', 'data-test': 'history' });
    var more = h('button', { 'class': 'link', hidden: true }, '更早的消息');
    var search = h('input', { type: 'search', placeholder: '搜索聊天内容', value: state.historyQuery, 'data-test': 'history-search' });
    var page = state.history || (state.historyOf || state.historyQuery ? null : { items: p.messages.items, next: p.messages.next });
    function show(items, next) {
      items.forEach(function (m) { list.appendChild(bubble(m)); });
      more.hidden = !next;
      more.onclick = function () {
        request('GET', historyUrl(next)).then(function (r) { show(r.items, r.next); }).catch(function (err) { notice(err.message, 'error'); });
      };
      if (!list.firstChild) list.appendChild(h('li', { 'class': 'muted' }, '没有聊天记录'));
    }
    if (page) show(page.items, page.next);
    else request('GET', historyUrl()).then(function (r) { state.history = r; show(r.items, r.next); }).catch(function (err) { notice(err.message, 'error'); });
    search.addEventListener('change', function () { state.historyQuery = search.value; state.history = null; render(); });
    var filters = p.access.predecessors.length && p.access.successor_view ? h('div', { 'class': 'filters' },
      h('button', { 'class': state.historyOf ? '' : 'on', onclick: function () { openHistory(''); } }, '全部'),
      h('button', { 'class': state.historyOf ? 'on' : '', 'data-test': 'only-predecessors', onclick: function () { openHistory('predecessors'); } }, '前任的聊天')) : null;
    return h('div', null, filters, search,
      state.historyOf ? h('p', { 'class': 'muted', 'data-test': 'successor-view' }, '以下是前任与该客户的聊天记录（仅供交接参考）。') : null,
      list, more);
  }

  // -- timeline ----------------------------------------------------------------------------

  var KINDS = {
    added: '添加了客户', half_added: '添加了客户（待通过）', deleted_by_employee: '删除了客户',
    deleted_by_customer: '被客户删除', transferred: '客户已转接', transfer_started: '发起转接',
    transfer_failed: '转接失败', transferred_to: '客户转交给', removed: '关系已不存在',
    edited: '修改了备注', tags_changed: '修改了标签', joined_group: '加入群聊', left_group: '退出群聊',
    note: '写了跟进记录', stage_changed: '更新了销售阶段', first_message: '第一条消息', last_message: '最近一条消息'
  };

  function detailText(e) {
    var d = e.detail || {};
    if (e.kind === 'tags_changed') {
      var parts = [];
      if (d.added && d.added.length) parts.push('+' + d.added.map(function (t) { return t.name || t.id; }).join('、'));
      if (d.removed && d.removed.length) parts.push('-' + d.removed.map(function (t) { return t.name || t.id; }).join('、'));
      return parts.join(' ');
    }
    if (e.kind === 'joined_group' || e.kind === 'left_group') return d.chat_name || d.chat_id || '';
    if (e.kind === 'note') return d.text || '';
    if (e.kind === 'stage_changed') return (d.from || '未设置') + ' → ' + (d.to || '未设置');
    if (e.kind === 'transferred_to') return name(d.from) + ' → ' + name(d.to);
    if (e.kind === 'edited' && d.remark) return d.remark[1] || '';
    return '';
  }

  function timelineView() {
    var items = state.profile.timeline;
    return h('ul', { 'class': 'timeline', 'data-test': 'timeline' }, items.length ? items.map(function (e) {
      return h('li', null, h('span', { 'class': 'when' }, when(e.at)),
        h('span', null, (e.userid ? name(e.userid) + ' ' : '') + (KINDS[e.kind] || e.kind) + ' ', h('span', { 'class': 'muted' }, detailText(e))));
    }) : h('li', { 'class': 'muted' }, '暂无动态'));
  }

  // -- the group chat --------------------------------------------------------------------

  function openGroup(chatId) {
    state.group = chatId;
    state.customer = '';
    clear(h('p', { 'class': 'hint' }, '正在加载群聊…'));
    var replies = state.replies ? Promise.resolve(state.replies) :
      request('GET', API + '/quick-replies').catch(function () { return null; });
    return Promise.all([request('GET', API + '/groups/' + encodeURIComponent(chatId)), replies]).then(function (both) {
      state.groupView = both[0];
      state.replies = both[1];
      renderGroup();
    });
  }

  function renderGroup() {
    var v = state.groupView;
    var g = v.group;
    var a = v.activity;
    clear(h('div', { 'class': 'group', 'data-test': 'group' },
      h('section', { 'class': 'card head' }, h('span', { 'class': 'avatar letter' }, '群'),
        h('div', null, h('h1', { 'data-test': 'group-name' }, g.name || '未命名群聊'),
          h('p', { 'class': 'muted' }, '群主 ' + g.owner_name + ' · ' + v.customers.length + ' 位客户 · ' + v.employees.length + ' 位同事'))),
      g.notice ? section('群公告', 'notice', h('p', null, g.notice)) : null,
      section('群活跃度', 'activity', h('dl', { 'class': 'grid' },
        h('dt', null, '近 7 天消息'), h('dd', null, String(a.messages_7d)),
        h('dt', null, '近 30 天消息'), h('dd', null, String(a.messages_30d)),
        h('dt', null, '最近消息'), h('dd', null, whenMs(a.last_message_at))),
        h('div', { 'class': 'chips' }, v.keywords.map(function (k) { return h('span', { 'class': 'chip' }, k.word); }))),
      section('客户', 'group-customers', h('ul', { 'class': 'plain' }, v.customers.map(function (c) {
        var label = (c.name || c.external_userid) + (c.corp_name ? ' @' + c.corp_name : '');
        return h('li', null, c.can_view ?
          h('button', { 'class': 'link', 'data-test': 'group-customer', 'data-customer': c.external_userid, onclick: function () {
            state.tab = 'overview';
            openCustomer(c.external_userid, state.group).catch(showError);
          } }, label) : h('span', null, label), h('span', { 'class': 'muted' }, ' 入群 ' + when(c.join_time)));
      }))),
      section('同事', 'group-employees', h('ul', { 'class': 'plain' }, v.employees.map(function (e) {
        return h('li', null, e.name + (e.owner ? '（群主）' : ''));
      }))),
      section('最近消息', 'group-recent', h('ul', { 'class': 'messages' }, v.recent.map(function (m) {
        return h('li', { 'class': 'msg' }, h('p', { 'class': 'meta' }, (m.sender_name || m.sender) + ' · ' + whenMs(m.at)), h('p', null, m.recalled ? '（已撤回）' : m.text));
      }))),
      h('nav', { 'class': 'tabs' }, h('button', { 'class': 'on' }, '话术')),
      repliesView()));
  }

  start();
})();
