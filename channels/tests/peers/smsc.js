// A real SMSC for the SMS channel's tests, on the server of npm `smpp` 0.5.1.
//
//   node smsc.js PORT SYSTEM_ID PASSWORD
//
// It accepts bind_transceiver with the given account (and refuses others with
// ESME_RINVPASWD), answers submit_sm with generated message ids, and prints one JSON line per
// event on stdout: every submit_sm with its fields and short_message bytes (hex), the UDH and
// the text as the `smpp` library decodes it. It reads commands as JSON lines on stdin and
// prints {"event":"ok","cmd":...} when each is done:
//   {"cmd":"throttle","n":2}                 answer the next n submit_sm with ESME_RTHROTTLED
//   {"cmd":"receipt","id":"M1","stat":"DELIVRD","err":"000"}   send a delivery receipt
//   {"cmd":"mo","from":"421900123456","text":"STOP"}           send a mobile-originated message
//   {"cmd":"drop"}     close every connection
//   {"cmd":"hold"}     close every connection and refuse new ones until "release"
//   {"cmd":"release"}
'use strict';

const smpp = require('smpp');
const defs = require('smpp/lib/defs');
const readline = require('readline');

const [port, systemId, password] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const ESME_RTHROTTLED = 0x58;
const ESME_RINVPASWD = 0x0e;

// Keep submit_sm's short_message as the raw bytes, so the test sees what was on the wire.
defs.commands.submit_sm.params.short_message = { type: defs.types.buffer };

const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');
const sessions = new Set();
const bound = new Set();
const sessionOf = new Map();
let throttle = 0;
let held = false;
let nextId = 0;

function decode(dataCoding, body) {
  if (dataCoding === 0x08) return defs.encodings.UCS2.decode(body);
  if (dataCoding === 0x03) return defs.encodings.LATIN1.decode(body);
  return defs.gsmCoder.decode(body, 0x00);
}

function onSubmit(session, pdu) {
  const raw = pdu.short_message || Buffer.alloc(0);
  let udh = null;
  let body = raw;
  if (pdu.esm_class & 0x40 && raw.length > 0) {
    udh = raw.slice(0, raw[0] + 1);
    body = raw.slice(raw[0] + 1);
  }
  const record = {
    event: 'submit_sm',
    esm_class: pdu.esm_class,
    data_coding: pdu.data_coding,
    registered_delivery: pdu.registered_delivery,
    source_addr: pdu.source_addr,
    source_addr_ton: pdu.source_addr_ton,
    destination_addr: pdu.destination_addr,
    dest_addr_ton: pdu.dest_addr_ton,
    dest_addr_npi: pdu.dest_addr_npi,
    short_message_hex: raw.toString('hex'),
    udh_hex: udh ? udh.toString('hex') : null,
    body_hex: body.toString('hex'),
    text: decode(pdu.data_coding, body),
  };
  if (throttle > 0) {
    throttle -= 1;
    session.send(pdu.response({ command_status: ESME_RTHROTTLED }));
    emit({ ...record, answered: 'ESME_RTHROTTLED' });
    return;
  }
  nextId += 1;
  const id = 'M' + nextId.toString(16).padStart(6, '0');
  sessionOf.set(id, session);
  // Reported before it is answered, so that a crash never hides a message it accepted.
  emit({ ...record, message_id: id });
  session.send(pdu.response({ message_id: id }));
}

function onSession(session) {
  if (held) {
    session.destroy();
    return;
  }
  sessions.add(session);
  session.on('error', () => {});
  session.on('close', () => {
    sessions.delete(session);
    bound.delete(session);
  });
  session.on('bind_transceiver', (pdu) => {
    if (pdu.system_id !== systemId || pdu.password !== password) {
      session.send(pdu.response({ command_status: ESME_RINVPASWD }));
      emit({ event: 'bind_refused', system_id: pdu.system_id });
      setTimeout(() => session.close(), 50);
      return;
    }
    session.send(pdu.response({ system_id: 'smsc' }));
    bound.add(session);
    emit({ event: 'bound', system_id: pdu.system_id, interface_version: pdu.interface_version });
  });
  session.on('submit_sm', (pdu) => onSubmit(session, pdu));
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => {
    session.send(pdu.response());
    session.close();
  });
}

function anyBound() {
  return bound.values().next().value;
}

function deliver(session, options, label, done) {
  if (!session) {
    emit({ event: 'error', message: 'no bound session for ' + label });
    done();
    return;
  }
  session.deliver_sm(options, (resp) => {
    emit({ event: 'deliver_sm_resp', for: label, command_status: resp.command_status });
  });
  done();
}

const commands = {
  throttle: (c, done) => {
    throttle = c.n;
    done();
  },
  receipt: (c, done) => {
    const stat = c.stat || 'DELIVRD';
    const delivered = stat === 'DELIVRD' ? '001' : '000';
    const text = `id:${c.id} sub:001 dlvrd:${delivered} submit date:2611231000 done date:2611231001 stat:${stat} err:${c.err || '000'} text:`;
    const session = bound.has(sessionOf.get(c.id)) ? sessionOf.get(c.id) : anyBound();
    deliver(session, {
      source_addr: '421900123456',
      source_addr_ton: 1,
      source_addr_npi: 1,
      destination_addr: 'Tocsin',
      esm_class: 0x04,
      data_coding: 0,
      short_message: text,
      receipted_message_id: c.id,
      message_state: stat === 'DELIVRD' ? 2 : 5,
    }, c.id, done);
  },
  mo: (c, done) => {
    deliver(anyBound(), {
      source_addr: c.from,
      source_addr_ton: 1,
      source_addr_npi: 1,
      destination_addr: 'Tocsin',
      esm_class: 0,
      data_coding: 0,
      short_message: c.text,
    }, 'mo', done);
  },
  drop: (c, done) => {
    for (const s of sessions) s.destroy();
    done();
  },
  hold: (c, done) => {
    held = true;
    for (const s of sessions) s.destroy();
    done();
  },
  release: (c, done) => {
    held = false;
    done();
  },
};

const server = smpp.createServer(onSession);
server.listen(port, '127.0.0.1', () => emit({ event: 'listening', port }));

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line);
  const run = commands[c.cmd];
  if (!run) {
    emit({ event: 'error', message: 'unknown command ' + c.cmd });
    return;
  }
  run(c, () => emit({ event: 'ok', cmd: c.cmd }));
});
process.stdin.on('end', () => process.exit(0));
