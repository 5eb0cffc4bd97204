#!/usr/bin/env node
'use strict';
/*
 * Telegram Bot API emulator for baocao's end-to-end tests.
 *
 * It is the npm package telegram-test-api, started on 127.0.0.1, with a few compatibility fixes
 * applied at load time (numbered F1..F6 below; each says why it is needed) and the methods the bot
 * uses that the package lacks (sendPhoto, sendDocument, sendChatAction, set/get/deleteMyCommands,
 * getFile, getWebhookInfo). Every Bot API call is recorded so tests can read it back.
 *
 *   node emulator.js --port 9123        (or EMULATOR_PORT=9123; host: --host / EMULATOR_HOST)
 *
 * Prints "READY http://127.0.0.1:9123" on stdout once it listens; exits 1 if it cannot listen.
 *
 * Routes for tests (besides the package's client routes /sendMessage, /sendCallback, /getUpdates):
 *   GET  /baocao/calls?token=T[&method=M]      every Bot API call the bot made, in order
 *   GET  /baocao/messages?token=T[&chat_id=C][&since=ID]  the bot's messages (in a chat, after a message id),
 *                                              as they are now (edits applied)
 *   GET  /baocao/pending?token=T               updates not yet confirmed by the bot
 *   GET  /baocao/webhook?token=T               the webhook set, and every delivery attempt
 *   GET  /baocao/files/:file_id                the bytes of a file the bot sent (or a user uploaded)
 *   POST /baocao/upload?filename=N             raw body -> a file a user can send as a document
 */

const crypto = require('crypto');
const Busboy = require('busboy');
const TelegramServer = require('telegram-test-api');
const { routes } = require('telegram-test-api/lib/routes/index');

const MAX_TEXT = 4096; // Telegram's limit on a message's text, and on a caption below
const MAX_CAPTION = 1024;
const MAX_CALLBACK_DATA = 64; // bytes
const WEBHOOK_TIMEOUT_MS = Number(process.env.EMULATOR_WEBHOOK_TIMEOUT_MS || 10000);

const calls = new Map(); // token -> [{method, params, files, time}]
const commands = new Map(); // token -> {scopeKey: [BotCommand]}
const deliveries = new Map(); // token -> [{update_id, status, error, time}]
const inflight = new Map(); // token -> Set(update_id) being delivered to the webhook
const files = new Map(); // file_id -> {content, filename, mimeType, unique}
let fileCounter = 1;

// ---------------------------------------------------------------------------------------------
// helpers

function listFor(map, token) {
  if (!map.has(token)) map.set(token, []);
  return map.get(token);
}

function botIdOf(token) {
  // A real token is "<bot id>:<secret>"; frameworks derive the bot's id from it.
  const head = String(token).split(':')[0];
  return /^\d+$/.test(head) ? Number(head) : 666;
}

function botUser(token) {
  return { id: botIdOf(token), is_bot: true, first_name: 'Test First name', username: 'TestNameBot' };
}

function chatOf(chatId) {
  // Telegram gives groups negative ids; the package calls every chat "private".
  const id = Number(chatId);
  return id < 0 ? { id, type: 'group', title: `Group ${-id}` } : { id, type: 'private', first_name: 'User' };
}

function parseJsonField(value) {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (_e) {
    return value;
  }
}

function paramsOf(req) {
  return { ...req.query, ...(req.body || {}) };
}

function badRequest(res, description, code = 400) {
  res.status(code).json({ ok: false, error_code: code, description });
}

function ok(res, result) {
  res.json({ ok: true, result });
}

function storeFile(content, filename, mimeType) {
  const unique = crypto.createHash('sha256').update(content).digest('hex').slice(0, 16);
  const fileId = `F${fileCounter++}_${unique}`;
  files.set(fileId, { content, filename, mimeType, unique });
  return fileId;
}

function fileMeta(fileId) {
  const f = files.get(fileId);
  return { file_id: fileId, file_unique_id: f.unique, file_size: f.content.length, file_name: f.filename, mime_type: f.mimeType };
}

function pngSize(buf) {
  // PNG keeps width and height at bytes 16..24 of its IHDR chunk; other formats report 0.
  if (buf.length > 24 && buf.toString('latin1', 1, 4) === 'PNG') {
    return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  return { width: 0, height: 0 };
}

function checkMarkup(replyMarkup) {
  const rows = replyMarkup && replyMarkup.inline_keyboard;
  if (!rows) return null;
  for (const row of rows) {
    for (const button of row) {
      if (button.callback_data !== undefined
          && Buffer.byteLength(String(button.callback_data), 'utf8') > MAX_CALLBACK_DATA) {
        return 'Bad Request: BUTTON_DATA_INVALID';
      }
    }
  }
  return null;
}

/** The Telegram Message object for a stored bot message (the package returns the raw request). */
function telegramMessage(entry) {
  const m = entry.message;
  const out = {
    message_id: entry.messageId,
    date: Math.floor(entry.time / 1000),
    chat: chatOf(m.chat_id),
    from: botUser(entry.botToken),
  };
  if (m.text !== undefined) out.text = String(m.text);
  if (m.caption !== undefined) out.caption = String(m.caption);
  if (m.photo) out.photo = m.photo;
  if (m.document) out.document = m.document;
  if (m.reply_markup && m.reply_markup.inline_keyboard) out.reply_markup = { inline_keyboard: m.reply_markup.inline_keyboard };
  if (entry.editTime) out.edit_date = Math.floor(entry.editTime / 1000);
  return out;
}

function findBotMessage(server, token, chatId, messageId) {
  return server.storage.botMessages.find((e) => e.botToken === token
    && String(e.messageId) === String(messageId) && String(e.message.chat_id) === String(chatId));
}

function pendingUpdates(server, token) {
  return server.storage.userMessages.filter((u) => u.botToken === token);
}

// ---------------------------------------------------------------------------------------------
// F2: the package stamps the messages the bot sends with Date.now() in MILLISECONDS and returns
// the raw request as the "Message". Telegram's Message.date is in seconds: python-telegram-bot fails
// ("year 58865 is out of range") and aiogram's pydantic only guesses milliseconds. We store the entry
// as the package does and return a proper Message.
TelegramServer.prototype.addBotMessage = function addBotMessage(rawMessage, botToken) {
  const message = TelegramServer.normalizeMessage(rawMessage);
  const entry = { time: Date.now(), botToken, message, updateId: this.updateId, messageId: this.messageId, isRead: false };
  this.storage.botMessages.push(entry);
  this.messageId++;
  this.emit('AddedBotMessage');
  return telegramMessage(entry);
};

// F3: the package rebuilds a callback query from id/from/message/data only, dropping
// chat_instance, which Telegram always sends and both aiogram's and PTB's CallbackQuery require.
// It also leaks its own botToken field into messages.
const formatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = function formatUpdateFixed(update) {
  const out = formatUpdate(update);
  if (out.callback_query) {
    const q = update.callbackQuery;
    const chatId = q.message && q.message.chat ? q.message.chat.id : q.from.id;
    out.callback_query.chat_instance = String(q.chat_instance || `ci${chatId}`);
  }
  if (out.message) delete out.message.botToken;
  return out;
};

// F6: the package POSTs an update to the webhook once, without the secret token header, from
// inside the client route (an error there kills the process) and forgets it on failure. Telegram
// sends X-Telegram-Bot-Api-Secret-Token and keeps retrying until the bot answers 2xx. We keep every
// update queued until it is confirmed (by offset, or by a 2xx from the webhook).
TelegramServer.prototype.addUserUpdate = async function addUserUpdate(update) {
  if (!update.botToken) throw new Error('The message must contain a `botToken` field.');
  this.storage.userMessages.push(update);
  this.updateId++;
  this.emit(`update:${update.botToken}`);
  deliverToWebhook(this, update.botToken);
};

function deliverToWebhook(server, token) {
  const hook = server.webhooks[token];
  if (!hook) return;
  if (!inflight.has(token)) inflight.set(token, new Set());
  const busy = inflight.get(token);
  const max = Math.max(1, Number(hook.max_connections || 40));
  const now = Date.now();
  for (const update of pendingUpdates(server, token)) {
    if (busy.size >= max) break;
    if (busy.has(update.updateId) || (update.retryAt && update.retryAt > now)) continue;
    busy.add(update.updateId);
    postUpdate(hook, update).then((result) => {
      busy.delete(update.updateId);
      listFor(deliveries, token).push({ update_id: update.updateId, ...result, time: Date.now() });
      if (result.status >= 200 && result.status < 300) {
        server.removeUserMessage(update.updateId);
      } else {
        update.attempts = (update.attempts || 0) + 1;
        const wait = Math.min(200 * 2 ** (update.attempts - 1), 5000);
        update.retryAt = Date.now() + wait;
        setTimeout(() => deliverToWebhook(server, token), wait + 5);
      }
      deliverToWebhook(server, token);
    });
  }
}

async function postUpdate(hook, update) {
  const headers = { 'Content-Type': 'application/json' };
  if (hook.secret_token) headers['X-Telegram-Bot-Api-Secret-Token'] = hook.secret_token;
  try {
    const resp = await fetch(hook.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(TelegramServer.formatUpdate(update)),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await resp.arrayBuffer();
    return { status: resp.status };
  } catch (e) {
    return { status: 0, error: String(e && e.message ? e.message : e) };
  }
}

// ---------------------------------------------------------------------------------------------
// Routes registered ahead of the package's own (its route list is read by the constructor).

function parseMultipart(req, res, next) {
  // The package only parses JSON and urlencoded bodies; uploads (sendPhoto/sendDocument) are multipart.
  if (!req.is('multipart/form-data')) {
    req.files = {};
    next();
    return;
  }
  const bb = Busboy({ headers: req.headers });
  const body = {};
  const parts = {};
  bb.on('field', (name, value) => { body[name] = value; });
  bb.on('file', (name, stream, info) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      parts[name] = { filename: info.filename, mimeType: info.mimeType, content: Buffer.concat(chunks) };
    });
  });
  bb.on('close', () => {
    req.body = { ...(req.body || {}), ...body };
    req.files = parts;
    next();
  });
  bb.on('error', next);
  req.pipe(bb);
}

function record(req, _res, next) {
  const params = paramsOf(req);
  const uploaded = Object.entries(req.files || {}).map(([field, f]) => ({
    field, filename: f.filename, size: f.content.length,
  }));
  listFor(calls, req.params.token).push({ method: req.params.method, params, files: uploaded, time: Date.now() });
  next();
}

/** The file a send* method refers to: an upload (field or attach://), a known file_id, or a URL. */
function inputFile(req, field) {
  const value = paramsOf(req)[field];
  const uploads = req.files || {};
  let upload = uploads[field];
  if (typeof value === 'string' && value.startsWith('attach://')) upload = uploads[value.slice(9)];
  if (upload) return storeFile(upload.content, upload.filename, upload.mimeType);
  if (typeof value === 'string' && files.has(value)) return value;
  if (typeof value === 'string' && /^https?:\/\//.test(value)) {
    return storeFile(Buffer.alloc(0), value.split('/').pop() || 'file', 'application/octet-stream');
  }
  return null;
}

function sendMedia(server, kind) {
  return (req, res) => {
    const p = paramsOf(req);
    const fileId = inputFile(req, kind);
    if (!p.chat_id) return badRequest(res, 'Bad Request: chat_id is empty');
    if (!fileId) return badRequest(res, `Bad Request: there is no ${kind} in the request`);
    if (p.caption && String(p.caption).length > MAX_CAPTION) return badRequest(res, 'Bad Request: message caption is too long');
    const markup = parseJsonField(p.reply_markup);
    const markupError = checkMarkup(markup);
    if (markupError) return badRequest(res, markupError);
    const meta = fileMeta(fileId);
    const message = { chat_id: p.chat_id, caption: p.caption, reply_markup: markup };
    if (kind === 'photo') {
      message.photo = [{ file_id: meta.file_id, file_unique_id: meta.file_unique_id, file_size: meta.file_size,
        ...pngSize(files.get(fileId).content) }];
    } else {
      message.document = meta;
    }
    return ok(res, server.addBotMessage(message, req.params.token));
  };
}

function editMessage(server, withText) {
  return (req, res) => {
    const p = paramsOf(req);
    if (p.inline_message_id) return ok(res, true);
    const entry = findBotMessage(server, req.params.token, p.chat_id, p.message_id);
    if (!entry) return badRequest(res, 'Bad Request: message to edit not found');
    const markup = parseJsonField(p.reply_markup);
    const markupError = checkMarkup(markup);
    if (markupError) return badRequest(res, markupError);
    const text = withText ? String(p.text ?? '') : entry.message.text;
    if (withText && !text) return badRequest(res, 'Bad Request: message text is empty');
    if (withText && text.length > MAX_TEXT) return badRequest(res, 'Bad Request: MESSAGE_TOO_LONG');
    // Telegram drops the inline keyboard when an edit does not repeat it.
    const newMarkup = markup && markup.inline_keyboard ? markup : undefined;
    if (text === entry.message.text && JSON.stringify(newMarkup) === JSON.stringify(entry.message.reply_markup)) {
      return badRequest(res, 'Bad Request: message is not modified: specified new message content and reply '
        + 'markup are exactly the same as a current content and reply markup of the message');
    }
    entry.message = { ...entry.message, text, reply_markup: newMarkup };
    entry.editTime = Date.now();
    server.emit('EditedMessageText');
    return ok(res, telegramMessage(entry));
  };
}

function waitForUpdate(server, token, ms, res) {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      server.off(`update:${token}`, done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    server.on(`update:${token}`, done);
    res.on('close', done); // the bot gave up (time-out, dropped connection): stop waiting
  });
}

function ourRoutes(app, server) {
  server.setMaxListeners(0);
  app.all('/bot:token/:method', parseMultipart, record);

  // F1: getMe lacks is_bot, which aiogram's User (validation error) and PTB's User (TypeError)
  // require; and its id ignores the token's, from which the frameworks also derive the bot's id.
  app.all('/bot:token/getMe', (req, res) => ok(res, {
    ...botUser(req.params.token), can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false,
  }));

  // F5: the package's getUpdates returns every unread update once, ignoring offset, limit and
  // timeout: an update is lost if the bot dies before handling it (Telegram redelivers until an
  // offset confirms it), and a polling bot spins without long polling. Also: 409 under a webhook.
  app.all('/bot:token/getUpdates', async (req, res) => {
    const token = req.params.token;
    const p = paramsOf(req);
    if (server.webhooks[token]) {
      return badRequest(res, "Conflict: can't use getUpdates method while webhook is active; "
        + 'use deleteWebhook to delete the webhook first', 409);
    }
    const offset = p.offset === undefined || p.offset === '' ? 0 : Number(p.offset);
    const limit = Math.min(Math.max(Number(p.limit || 100), 1), 100);
    const timeout = Math.min(Math.max(Number(p.timeout || 0), 0), 50);
    if (offset > 0) {
      server.storage.userMessages = server.storage.userMessages.filter(
        (u) => u.botToken !== token || u.updateId >= offset,
      );
    } else if (offset < 0) {
      const keep = new Set(pendingUpdates(server, token).slice(offset).map((u) => u.updateId));
      server.storage.userMessages = server.storage.userMessages.filter((u) => u.botToken !== token || keep.has(u.updateId));
    }
    if (pendingUpdates(server, token).length === 0 && timeout > 0) {
      await waitForUpdate(server, token, timeout * 1000, res);
    }
    if (res.writableEnded || res.destroyed) return undefined;
    return ok(res, pendingUpdates(server, token).slice(0, limit).map((u) => TelegramServer.formatUpdate(u)));
  });

  app.all('/bot:token/sendMessage', (req, res) => {
    const p = paramsOf(req);
    if (!p.chat_id) return badRequest(res, 'Bad Request: chat_id is empty');
    if (!p.text) return badRequest(res, 'Bad Request: message text is empty');
    if (String(p.text).length > MAX_TEXT) return badRequest(res, 'Bad Request: message is too long');
    const markupError = checkMarkup(parseJsonField(p.reply_markup));
    if (markupError) return badRequest(res, markupError);
    return ok(res, server.addBotMessage({ ...p }, req.params.token));
  });

  // F4: editMessageText, editMessageReplyMarkup, answerCallbackQuery, setWebhook and deleteMessage
  // answer `null`; Telegram answers the edited Message or True. PTB's edit_message_text fails on null
  // ("'NoneType' object has no attribute 'copy'"); aiogram returns None where its types promise a
  // Message or True. The edit routes also apply Telegram's rules (keyboard dropped unless repeated,
  // "message is not modified").
  app.all('/bot:token/editMessageText', editMessage(server, true));
  app.all('/bot:token/editMessageReplyMarkup', editMessage(server, false));
  app.all('/bot:token/answerCallbackQuery', (req, res) => ok(res, true));
  app.all('/bot:token/deleteMessage', (req, res) => {
    const p = paramsOf(req);
    const entry = findBotMessage(server, req.params.token, p.chat_id, p.message_id);
    if (!entry) return badRequest(res, 'Bad Request: message to delete not found');
    server.storage.botMessages = server.storage.botMessages.filter((e) => e !== entry);
    return ok(res, true);
  });

  app.all('/bot:token/setWebhook', (req, res) => {
    const p = paramsOf(req);
    if (!p.url) return badRequest(res, 'Bad Request: bad webhook: URL must be set');
    const token = req.params.token;
    server.webhooks[token] = { url: p.url, secret_token: p.secret_token, max_connections: p.max_connections };
    if (String(p.drop_pending_updates) === 'true') {
      server.storage.userMessages = server.storage.userMessages.filter((u) => u.botToken !== token);
    }
    deliverToWebhook(server, token);
    return ok(res, true);
  });
  app.all('/bot:token/deleteWebhook', (req, res) => {
    const token = req.params.token;
    delete server.webhooks[token];
    if (String(paramsOf(req).drop_pending_updates) === 'true') {
      server.storage.userMessages = server.storage.userMessages.filter((u) => u.botToken !== token);
    }
    return ok(res, true);
  });
  app.all('/bot:token/getWebhookInfo', (req, res) => {
    const hook = server.webhooks[req.params.token];
    return ok(res, {
      url: hook ? hook.url : '',
      has_custom_certificate: false,
      pending_update_count: pendingUpdates(server, req.params.token).length,
      max_connections: hook ? Number(hook.max_connections || 40) : undefined,
    });
  });

  // Methods the package lacks.
  app.all('/bot:token/sendPhoto', sendMedia(server, 'photo'));
  app.all('/bot:token/sendDocument', sendMedia(server, 'document'));
  app.all('/bot:token/sendChatAction', (req, res) => ok(res, true));
  app.all('/bot:token/setMyCommands', (req, res) => {
    const p = paramsOf(req);
    const byScope = commands.get(req.params.token) || {};
    byScope[JSON.stringify(parseJsonField(p.scope) || { type: 'default' })] = parseJsonField(p.commands) || [];
    commands.set(req.params.token, byScope);
    return ok(res, true);
  });
  app.all('/bot:token/getMyCommands', (req, res) => {
    const byScope = commands.get(req.params.token) || {};
    return ok(res, byScope[JSON.stringify(parseJsonField(paramsOf(req).scope) || { type: 'default' })] || []);
  });
  app.all('/bot:token/deleteMyCommands', (req, res) => {
    const byScope = commands.get(req.params.token) || {};
    delete byScope[JSON.stringify(parseJsonField(paramsOf(req).scope) || { type: 'default' })];
    return ok(res, true);
  });
  app.all('/bot:token/getFile', (req, res) => {
    const fileId = paramsOf(req).file_id;
    if (!files.has(fileId)) return badRequest(res, 'Bad Request: invalid file_id');
    const meta = fileMeta(fileId);
    return ok(res, { file_id: fileId, file_unique_id: meta.file_unique_id, file_size: meta.file_size,
      file_path: `documents/${fileId}` });
  });
  app.get('/file/bot:token/documents/:fileId', (req, res) => {
    const f = files.get(req.params.fileId);
    if (!f) return res.status(404).end();
    return res.type(f.mimeType || 'application/octet-stream').send(f.content);
  });

  // Routes for the tests.
  app.get('/baocao/calls', (req, res) => {
    const all = calls.get(String(req.query.token)) || [];
    ok(res, req.query.method ? all.filter((c) => c.method === req.query.method) : all);
  });
  app.get('/baocao/messages', (req, res) => {
    // chat_id: one chat (all chats without it); since: only messages with a higher id (load tests).
    const token = String(req.query.token);
    const since = Number(req.query.since || 0);
    const chat = req.query.chat_id === undefined ? null : String(req.query.chat_id);
    ok(res, server.storage.botMessages
      .filter((e) => e.botToken === token && e.messageId > since && (chat === null || String(e.message.chat_id) === chat))
      .map(telegramMessage));
  });
  app.get('/baocao/pending', (req, res) => ok(res, pendingUpdates(server, String(req.query.token))
    .map((u) => TelegramServer.formatUpdate(u))));
  app.get('/baocao/webhook', (req, res) => {
    const hook = server.webhooks[String(req.query.token)];
    ok(res, { url: hook ? hook.url : null, has_secret: Boolean(hook && hook.secret_token),
      deliveries: deliveries.get(String(req.query.token)) || [] });
  });
  app.get('/baocao/files/:fileId', (req, res) => {
    const f = files.get(req.params.fileId);
    if (!f) return res.status(404).end();
    return res.type('application/octet-stream').send(f.content);
  });
  app.post('/baocao/upload', (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const fileId = storeFile(Buffer.concat(chunks), String(req.query.filename || 'file'),
        String(req.query.mime_type || 'application/octet-stream'));
      ok(res, fileMeta(fileId));
    });
  });
}

routes.unshift(ourRoutes);

// ---------------------------------------------------------------------------------------------

function option(name, envName, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1];
  return process.env[envName] || fallback;
}

async function main() {
  const host = option('host', 'EMULATOR_HOST', '127.0.0.1');
  const port = Number(option('port', 'EMULATOR_PORT', '9000'));
  // Telegram keeps unconfirmed updates for 24 hours; the package's default (60 s) would drop a
  // slow test's updates. storeTimeout is in seconds.
  const server = new TelegramServer({ host, port, storeTimeout: 24 * 3600 });
  await server.start();
  process.stdout.write(`READY http://${host}:${port}\n`);
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

// A bad client request must not take the emulator down for every other test.
process.on('unhandledRejection', (e) => process.stderr.write(`unhandled rejection: ${e}\n`));

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`emulator failed to start: ${e}\n`);
    process.exit(1);
  });
}

module.exports = { TelegramServer };
