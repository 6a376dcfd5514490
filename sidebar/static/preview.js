/* The preview: plays the WeCom client around the real sidebar page.
 *
 * It signs in as the chosen employee through the simulated OAuth, frames /sidebar/, and
 * lends the framed page a `wx` shaped like the one WeCom's client provides:
 *   wx.config(cfg) / wx.ready(fn) / wx.error(fn)    — the corp ticket's signature
 *   wx.agentConfig({..., success, fail})           — the app ticket's signature
 *   wx.invoke(name, args, callback(res))            — res.err_msg is "<name>:ok" or a failure
 * Signatures are checked by the simulator (as the client checks them with WeCom), and
 * each API is allowed only from the entries WeCom allows it from.
 */
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var directory = null;
  var context = { entry: 'single_chat_tools', userId: '', chatId: '' };
  var CONTACT_ENTRIES = ['single_chat_tools', 'contact_profile'];
  var SEND_ENTRIES = ['single_chat_tools', 'group_chat_tools', 'chat_attachment', 'single_kf_tools'];

  function log(list, text) {
    var li = document.createElement('li');
    li.textContent = text;
    $(list).appendChild(li);
    $(list).scrollTop = $(list).scrollHeight;
  }

  function option(value, label) {
    var o = document.createElement('option');
    o.value = value;
    o.textContent = label;
    return o;
  }

  function fill(select, items) {
    while (select.firstChild) select.removeChild(select.firstChild);
    items.forEach(function (item) { select.appendChild(option(item[0], item[1])); });
  }

  function load(corp, userid) {
    var q = [];
    if (corp) q.push('corp=' + encodeURIComponent(corp));
    if (userid) q.push('userid=' + encodeURIComponent(userid));
    return fetch('/sidebar/preview/api/directory?' + q.join('&'), { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        directory = d;
        fill($('corp'), d.corps.map(function (c) { return [c.corp_id, c.name]; }));
        $('corp').value = d.corp_id;
        fill($('employee'), d.employees.map(function (e) { return [e.userid, e.name + ' (' + e.userid + ')']; }));
        $('employee').value = d.userid || '';
        targets();
      });
  }

  function targets() {
    var entry = $('entry').value;
    var d = directory || { customers: [], groups: [] };
    var items;
    if (entry === 'group_chat_tools') items = (d.groups || []).map(function (g) { return [g.chat_id, g.name]; });
    else if (entry === 'normal') items = [['', '（无聊天上下文）']];
    else items = (d.customers || []).map(function (c) { return [c.external_userid, c.name || c.external_userid]; });
    if (!items.length) items = [['', entry === 'group_chat_tools' ? '（该员工不在任何客户群）' : '（该员工没有客户）']];
    fill($('target'), items);
    $('open').disabled = entry !== 'normal' && !$('target').value;
  }

  function verify(kind, cfg, frameWindow) {
    var q = {
      kind: kind, corpid: cfg.appId || cfg.corpid || '', agentid: cfg.agentid || '',
      url: frameWindow.location.href.split('#')[0], noncestr: cfg.nonceStr || '',
      timestamp: String(cfg.timestamp || ''), signature: cfg.signature || ''
    };
    var query = Object.keys(q).map(function (k) { return k + '=' + encodeURIComponent(q[k]); }).join('&');
    return fetch('/sidebar/preview/api/verify?' + query, { credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (d) { return d.result; }, function () { return -1; });
  }

  // The stand-in for WeCom's `wx`, one per framed page load.
  function createWx(frameWindow) {
    var configured = null;   // null: not yet; true; or the failure
    var agentReady = false;
    var readyFns = [];
    var errorFns = [];
    function later(fn, arg) { setTimeout(function () { fn(arg); }, 0); }
    return {
      config: function (cfg) {
        log('log', 'wx.config appId=' + cfg.appId + ' jsApiList=' + (cfg.jsApiList || []).join(','));
        verify('config', cfg, frameWindow).then(function (result) {
          if (result === 0) {
            configured = true;
            readyFns.splice(0).forEach(function (fn) { later(fn); });
          } else {
            configured = { errMsg: 'config:invalid signature', errCode: result };
            log('log', 'wx.config failed: errcode ' + result);
            errorFns.forEach(function (fn) { later(fn, configured); });
          }
        });
      },
      ready: function (fn) { if (configured === true) later(fn); else readyFns.push(fn); },
      error: function (fn) { errorFns.push(fn); if (configured && configured !== true) later(fn, configured); },
      agentConfig: function (cfg) {
        log('log', 'wx.agentConfig agentid=' + cfg.agentid);
        verify('agent_config', cfg, frameWindow).then(function (result) {
          if (result === 0) {
            agentReady = true;
            if (cfg.success) later(cfg.success, { errMsg: 'agentConfig:ok' });
          } else {
            log('log', 'wx.agentConfig failed: errcode ' + result);
            if (cfg.fail) later(cfg.fail, { errMsg: 'agentConfig:fail', errCode: result });
          }
        });
      },
      invoke: function (name, args, callback) {
        var res;
        if (!agentReady) res = { err_msg: name + ':fail_no permission' };
        else if (name === 'getContext') res = { err_msg: 'getContext:ok', entry: context.entry, shareTicket: '' };
        else if (name === 'getCurExternalContact') {
          res = CONTACT_ENTRIES.indexOf(context.entry) >= 0 && context.userId ?
            { err_msg: 'getCurExternalContact:ok', userId: context.userId } :
            { err_msg: 'getCurExternalContact:fail_without context of external contact' };
        } else if (name === 'getCurExternalChat') {
          res = context.entry === 'group_chat_tools' && context.chatId ?
            { err_msg: 'getCurExternalChat:ok', chatId: context.chatId } :
            { err_msg: 'getCurExternalChat:fail_without context of external chat' };
        } else if (name === 'sendChatMessage') {
          if (SEND_ENTRIES.indexOf(context.entry) < 0) {
            res = { err_msg: 'sendChatMessage:fail_without context of external contact' };
          } else {
            res = { err_msg: 'sendChatMessage:ok' };
            var text = args && args.text ? args.text.content : JSON.stringify(args);
            window.wecomPreview.sent.push(args);
            log('sent', text);
          }
        } else res = { err_msg: name + ':fail_not simulated' };
        log('log', 'wx.invoke ' + name + ' → ' + res.err_msg);
        if (callback) later(callback, res);
      }
    };
  }

  window.wecomPreview = { createWx: createWx, sent: [], context: context };

  $('corp').addEventListener('change', function () { load($('corp').value, ''); });
  $('employee').addEventListener('change', function () { load($('corp').value, $('employee').value); });
  $('entry').addEventListener('change', targets);
  $('open').addEventListener('click', function () {
    var corp = $('corp').value;
    var userid = $('employee').value;
    context.entry = $('entry').value;
    context.userId = context.entry === 'group_chat_tools' ? '' : $('target').value;
    context.chatId = context.entry === 'group_chat_tools' ? $('target').value : '';
    log('log', '— ' + userid + ' opens ' + context.entry + ' ' + (context.userId || context.chatId));
    var next = '/sidebar/?corp=' + encodeURIComponent(corp);
    $('sidebar').src = '/sidebar/login?' + [
      'corp=' + encodeURIComponent(corp), 'as=' + encodeURIComponent(userid), 'next=' + encodeURIComponent(next)
    ].join('&');
  });

  load('', '');
})();
