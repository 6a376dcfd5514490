/* A stand-in for the `wx` object WeCom's client gives a sidebar page (jweixin 1.2.0):
 * config / ready / error / agentConfig / invoke, with WeCom's callback shapes
 * (`res.err_msg === "<api>:ok"`) and WeCom's entry rules: getCurExternalContact from
 * single_chat_tools and contact_profile, getCurExternalChat from group_chat_tools,
 * sendChatMessage from chat toolbars only, nothing before agentConfig succeeded.
 * It records every call; the test checks the signatures with the simulator, as the
 * client checks them with WeCom. The context comes from window.__WECOM_CONTEXT__. */
(function () {
  var ctx = window.__WECOM_CONTEXT__ || { entry: 'normal' };
  var calls = (window.__wxCalls = []);
  var sent = (window.__sent = []);
  var readyFns = [];
  var configured = false;
  var agentReady = false;
  var SEND = ['single_chat_tools', 'group_chat_tools', 'chat_attachment', 'single_kf_tools'];
  function later(fn, arg) { setTimeout(function () { fn(arg); }, 0); }
  function plain(cfg) {
    var copy = {};
    Object.keys(cfg).forEach(function (k) { if (typeof cfg[k] !== 'function') copy[k] = cfg[k]; });
    return copy;
  }
  window.wx = {
    config: function (cfg) {
      calls.push(['config', plain(cfg), location.href.split('#')[0]]);
      configured = true;
      readyFns.splice(0).forEach(function (fn) { later(fn); });
    },
    ready: function (fn) { if (configured) later(fn); else readyFns.push(fn); },
    error: function () {},
    agentConfig: function (cfg) {
      calls.push(['agentConfig', plain(cfg), location.href.split('#')[0]]);
      agentReady = true;
      if (cfg.success) later(cfg.success, { errMsg: 'agentConfig:ok' });
    },
    invoke: function (name, args, callback) {
      calls.push(['invoke', name, args || {}]);
      var res;
      if (!agentReady) res = { err_msg: name + ':fail_no permission' };
      else if (name === 'getContext') res = { err_msg: 'getContext:ok', entry: ctx.entry };
      else if (name === 'getCurExternalContact') {
        res = (ctx.entry === 'single_chat_tools' || ctx.entry === 'contact_profile') ?
          { err_msg: 'getCurExternalContact:ok', userId: ctx.userId } :
          { err_msg: 'getCurExternalContact:fail_without context of external contact' };
      } else if (name === 'getCurExternalChat') {
        res = ctx.entry === 'group_chat_tools' ?
          { err_msg: 'getCurExternalChat:ok', chatId: ctx.chatId } :
          { err_msg: 'getCurExternalChat:fail_without context of external chat' };
      } else if (name === 'sendChatMessage') {
        if (SEND.indexOf(ctx.entry) >= 0) { sent.push(args); res = { err_msg: 'sendChatMessage:ok' }; }
        else res = { err_msg: 'sendChatMessage:fail_without context of external contact' };
      } else res = { err_msg: name + ':fail_unsupported' };
      if (callback) later(callback, res);
    }
  };
})();
