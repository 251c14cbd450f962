// The npm web-push baseline for Tocsin's `push` benchmark: how many push requests per second
// one Node.js thread prepares (encryption and VAPID headers, nothing sent), measured with
// web-push's own generateRequestDetails(), and its encryption alone.
//
// Usage: node push_baseline.js MESSAGES PAYLOAD_FILE
// Prints one JSON object.

'use strict';

const crypto = require('crypto');
const fs = require('fs');
const webpush = require('web-push');
const encryptionHelper = require('web-push/src/encryption-helper');

const messages = parseInt(process.argv[2] || '5000', 10);
const payload = fs.readFileSync(process.argv[3]);
const vapid = webpush.generateVAPIDKeys();

// A few hundred distinct subscribers, as in the Rust benchmark.
const subscriptions = [];
for (let i = 0; i < 256; i++) {
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.generateKeys();
  subscriptions.push({
    endpoint: 'http://127.0.0.1:8443/push/' + i,
    keys: {p256dh: ecdh.getPublicKey().toString('base64url'), auth: crypto.randomBytes(16).toString('base64url')},
  });
}

const options = {
  vapidDetails: {subject: 'mailto:ops@tocsin.example', publicKey: vapid.publicKey, privateKey: vapid.privateKey},
  TTL: 3600,
  urgency: 'high',
  topic: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  contentEncoding: 'aes128gcm',
};

function rate(fn) {
  for (let i = 0; i < Math.min(500, messages); i++) {
    fn(subscriptions[i % subscriptions.length]);
  }
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < messages; i++) {
    bytes += fn(subscriptions[i % subscriptions.length]);
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  // Per CPU second of the process, as the Rust side and `openssl speed` count.
  return {messages, seconds, cpu_seconds: cpuSeconds, per_second: messages / cpuSeconds, bytes};
}

const requestDetails = rate(s => webpush.generateRequestDetails(s, payload, options).body.length);
const encryptOnly = rate(s => encryptionHelper.encrypt(s.keys.p256dh, s.keys.auth, payload, 'aes128gcm').cipherText.length);

console.log(JSON.stringify({
  node: process.version,
  web_push: require('web-push/package.json').version,
  payload_bytes: payload.length,
  generate_request_details: requestDetails,
  encrypt_only: encryptOnly,
}));
