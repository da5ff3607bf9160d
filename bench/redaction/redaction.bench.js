#!/usr/bin/env node
'use strict';
/**
 * Redaction cost per payload, relative to `JSON.stringify` of the same payload (which the writer
 * pays anyway to serialize an entry). Not a test: it prints ratios.
 *
 *   npm run build:lib && npm run bench:redaction      (or: node bench/redaction/redaction.bench.js)
 *
 * Two payloads: (a) a declared DTO (the sample app's patient: @PiiField mask/hash/redact/omit, a
 * nested DTO through @Type, a few undeclared strings), (b) a free-text-heavy body (notes and
 * comments of a few hundred characters, some holding e-mail addresses, phone numbers, cards).
 * Each is measured with a warm-up, then ROUNDS rounds, each timing both back to back (the order
 * swapped every other round); the median round is reported, and the ratio is the median of the
 * rounds' own ratios (steadier on a shared machine than a ratio of two medians).
 * The HMAC key is fixed; `hash` costs one HMAC-SHA-256 per hashed value, included in (a).
 *
 * (a) and (b) measure the call the writer makes (core/writer/audit-entry.builder.ts, buildEntry):
 * `redactor.redactTraced(body, bodyType, trace, 'request.body')` with a fresh RedactionTrace per
 * payload (the redactor's notes in order), then `redactor.reportObject(trace)`, the plain object
 * the entry stores as `payload.redactions` (built once per distinct sequence of notes, a copy per
 * entry). The rows marked "Map report" make the call buildEntry made before the trace, the public
 * API's: `redact(body, type, report, 'request.body')` with a fresh RedactionReport (a Map), then
 * the Map turned into the stored object (reportObject, replicated below). The rows marked "no
 * report" call `redact(payload, type)` alone: what the redactor costs when nobody asks what it
 * changed (no production caller does that for a body; shown for comparison only). The row "(a) email
 * not hashed" is (a) with the DTO's `email` declared `redact` instead of `hash`: the same call, minus
 * the one HMAC, so (a) minus it is the pseudonym's cost within the walk.
 */
require('reflect-metadata');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const libDir = process.env.SEALED_AUDIT_LIB || path.resolve(__dirname, '../../dist/libs/sealed-audit');
let lib;
try {
  lib = require(libDir);
} catch (error) {
  console.error('bench:redaction needs the built library: run `npm run build:lib` first.');
  console.error(String(error && error.message));
  process.exit(2);
}
const { Redactor, PiiField } = lib;
const { Type } = require('class-transformer');

function declare(cls, key, options) {
  PiiField(options)(cls.prototype, key);
}

class AddressDto {}
declare(AddressDto, 'street', { strategy: 'redact', kind: 'street' });
declare(AddressDto, 'postcode', { strategy: 'mask', kind: 'postcode' });

class CreatePatientDto {}
declare(CreatePatientDto, 'fullName', { strategy: 'mask', kind: 'name' });
declare(CreatePatientDto, 'email', { strategy: 'hash', kind: 'email' });
declare(CreatePatientDto, 'phone', { strategy: 'mask', kind: 'phone' });
declare(CreatePatientDto, 'ssn', { strategy: 'redact', kind: 'ssn' });
declare(CreatePatientDto, 'cardNumber', { strategy: 'redact', kind: 'payment-card' });
declare(CreatePatientDto, 'dateOfBirth', { strategy: 'redact', kind: 'date-of-birth' });
declare(CreatePatientDto, 'notes', { strategy: 'redact', kind: 'free-text' });
declare(CreatePatientDto, 'referralLetter', { strategy: 'omit', kind: 'referral-letter' });
Type(() => AddressDto)(CreatePatientDto.prototype, 'address');

// The same DTO with `email` redacted instead of hashed: (a) without its one HMAC, measured in the
// same run, so the difference to (a) is what the pseudonym costs among the rest of the walk (more
// than the pseudonym alone below: measured alone, its code and data stay hot between calls).
class CreatePatientNoHashDto {}
for (const [key, options] of [
  ['fullName', { strategy: 'mask', kind: 'name' }],
  ['email', { strategy: 'redact', kind: 'email' }],
  ['phone', { strategy: 'mask', kind: 'phone' }],
  ['ssn', { strategy: 'redact', kind: 'ssn' }],
  ['cardNumber', { strategy: 'redact', kind: 'payment-card' }],
  ['dateOfBirth', { strategy: 'redact', kind: 'date-of-birth' }],
  ['notes', { strategy: 'redact', kind: 'free-text' }],
  ['referralLetter', { strategy: 'omit', kind: 'referral-letter' }],
]) {
  declare(CreatePatientNoHashDto, key, options);
}
Type(() => AddressDto)(CreatePatientNoHashDto.prototype, 'address');

const declared = {
  fullName: 'Ottoline Vandergriff-Quarles',
  email: 'ottoline.vq@quarles-mail.example',
  phone: '+1 (555) 013-8842',
  ssn: '612-73-4859',
  cardNumber: '4539 7712 0394 8821',
  dateOfBirth: '1931-07-19',
  notes: 'Allergic to penicillin; lives with sister Wilhelmina',
  referralLetter: 'Dear colleague, please see Ms Quarles about her recurring migraines',
  address: { street: '17 Quinceberry Crescent', city: 'Llanwrtyd Wells', postcode: 'QX7 4ZJ' },
  ward: 'B4',
  priority: 2,
  consent: true,
  tags: ['outpatient', 'neurology'],
};

const sentences = [
  'Patient reports intermittent headaches over the last three weeks, worse in the mornings and after screen work.',
  'Discussed hydration, sleep and a trial of simple analgesia; follow-up booked with the neurology clinic next month.',
  'Daughter asked to be contacted at margot.q@family-mail.example or on +44 20 7946 0958 with any results.',
  'Paid the prescription charge by card 4111 1111 1111 1111 at reception; receipt number 20250102-0117.',
  'No known drug allergies besides penicillin. Blood pressure 128/82, pulse 71, temperature 36.8 degrees.',
  'Referred by Dr. Hamish Pennyworth, who wrote on 2025-01-02 that imaging at the regional centre was normal.',
];
const freeText = {
  notes: Array.from({ length: 4 }, (_, i) => sentences.slice(i % 3, (i % 3) + 4).join(' ')),
  comments: Array.from({ length: 6 }, (_, i) => ({ author: `clinician-${i}`, at: '2025-01-02T03:04:05.678Z', text: sentences[i % sentences.length] })),
  summary: sentences.join(' '),
};

const redactor = new Redactor({ hmacKey: 'bench-hmac-key-0123456789abcdef0123456789' });
const WARMUP = 3000;
const ROUNDS = 15;
const PER_ROUND = 4000;

let sink = 0;
function time(fn) {
  const start = performance.now();
  for (let i = 0; i < PER_ROUND; i += 1) sink += fn() === undefined ? 0 : 1;
  return ((performance.now() - start) * 1000) / PER_ROUND; // µs per payload
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** buildEntry's reportObject: the report as the plain object stored in `payload.redactions`. */
function reportObject(report) {
  const out = {};
  for (const [at, what] of report) {
    if (at === '__proto__') Object.defineProperty(out, at, { value: what, enumerable: true, writable: true, configurable: true });
    else out[at] = what;
  }
  return out;
}

let RedactionTrace = null;
try {
  // Internal module of the built library (not part of its API): buildEntry's report.
  ({ RedactionTrace } = require(path.join(libDir, 'core/redaction/redaction-report.js')));
} catch {
  // an older build: buildEntry used the Map report, measured as such below
}

/** What buildEntry did with a request body before the trace (the public API): redact with a fresh Map report under 'request.body', then store the report. */
function mapRedact(payload, type) {
  const report = new Map();
  const body = redactor.redact(payload, type, report, 'request.body');
  return report.size > 0 ? [body, reportObject(report)] : body;
}

/** What buildEntry does with a request body: redact noting into a fresh trace under 'request.body', then the stored report object. */
function tracedRedact(payload, type) {
  const trace = new RedactionTrace();
  const body = redactor.redactTraced(payload, type, trace, 'request.body');
  return trace.empty ? body : [body, redactor.reportObject(trace)];
}

const productionRedact = RedactionTrace && typeof redactor.redactTraced === 'function' ? tracedRedact : mapRedact;

/**
 * `first` and `second` timed in ROUNDS rounds, back to back within each round, the order swapped
 * every other round (so neither always runs with the other's data in the caches). Returns each
 * one's median round and the median of the per-round ratios second ÷ first: on this shared,
 * drifting machine a paired ratio moves much less than the ratio of two separate medians.
 */
function paired(first, second) {
  for (let i = 0; i < WARMUP; i += 1) {
    first();
    second();
  }
  const f = [];
  const s = [];
  const ratios = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    let a;
    let b;
    if (round % 2 === 0) {
      a = time(first);
      b = time(second);
    } else {
      b = time(second);
      a = time(first);
    }
    f.push(a);
    s.push(b);
    ratios.push(b / a);
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  return { firstUs: median(f), secondUs: median(s), ratio: median(ratios), low: sorted[Math.floor(ROUNDS / 4)], high: sorted[Math.floor((3 * ROUNDS) / 4)] };
}

/** `report`: 'production' (buildEntry's call), 'map' (the public Map report) or 'none'. */
function measure(name, payload, type, report = 'production') {
  const stringify = () => JSON.stringify(payload);
  const redact =
    report === 'production' ? () => productionRedact(payload, type) : report === 'map' ? () => mapRedact(payload, type) : () => redactor.redact(payload, type);
  const m = paired(stringify, redact);
  return { name, bytes: JSON.stringify(payload).length, stringifyUs: m.firstUs, redactUs: m.secondUs, ratio: m.ratio, low: m.low, high: m.high };
}

/** Median µs of `part` next to `JSON.stringify(payload)`, measured interleaved like `measure`. */
function measurePart(payload, part) {
  const m = paired(() => JSON.stringify(payload), part);
  return { stringifyUs: m.firstUs, partUs: m.secondUs, ratio: m.ratio };
}

/** Every string value of a value (keys are scrubbed too, but once per key name: they are memoized). */
function stringsOf(value, out = []) {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, out);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) stringsOf(item, out);
  return out;
}

const results = [
  measure('(a) declared DTO', declared, CreatePatientDto),
  measure('(b) free-text heavy', freeText, undefined),
  measure('(a) no report', declared, CreatePatientDto, 'none'),
  measure('(b) no report', freeText, undefined, 'none'),
  measure('(a) email not hashed', declared, CreatePatientNoHashDto),
  ...(productionRedact === tracedRedact
    ? [measure('(a) Map report', declared, CreatePatientDto, 'map'), measure('(b) Map report', freeText, undefined, 'map')]
    : []),
];
console.log(`node ${process.version}, ${ROUNDS} rounds × ${PER_ROUND} payloads after ${WARMUP} warm-up, both timed in each round (order swapped every other round); µs: median round; ratio: median of the rounds' ratios (middle half of them in brackets)`);
console.log(
  productionRedact === tracedRedact
    ? "(a), (b): redactTraced(body, type, trace, 'request.body') + reportObject(trace), as buildEntry does; Map report: redact(body, type, new Map(), 'request.body') + the Map as an object (the public API, buildEntry's call before the trace)"
    : "(a), (b): redact(body, type, report, 'request.body') + the stored report object, as buildEntry does",
);
for (const r of results) {
  console.log(
    `${r.name.padEnd(22)} ${String(r.bytes).padStart(5)} B   JSON.stringify ${r.stringifyUs.toFixed(2).padStart(6)} µs   redact ${r.redactUs.toFixed(2).padStart(7)} µs   ratio ${r.ratio.toFixed(2)}× (${r.low.toFixed(2)}–${r.high.toFixed(2)})`,
  );
}

// What bounds each ratio: the parts of the work that cannot be skipped, measured alone.
// (a) one `hash` pseudonym (HMAC-SHA-256 of the e-mail address: two SHA-256 compressions in
// JavaScript), and a bare copy of the payload (Object.keys + keyed stores, no checks at all): any
// redactor that returns a new tree pays it; the report alone (a fresh Map of the lines the
// redactor notes for (a), each a get and a set, then the stored object: what the writer's report
// costs whoever fills it). (b) the same copy; the detectors' one pass over every
// string alone (a Latin-1 copy of each, then a byte loop: the part of detection every byte pays),
// and under it the bare minimum of any such pass in JavaScript (the same copy, then one table
// look-up per byte that never stops); the value detectors over every string (scan, candidates,
// validation: no walk, no copy, no replacement); redactText of every string (what the redactor does
// to each string: quick checks, detectors, replacement, the report's notes; no walk). The last line splits (b) into the
// strings and the walk.
const texts = stringsOf(freeText);
let scanCandidates = null;
try {
  // Internal module of the built library (not part of its API): the scan alone.
  ({ scanCandidates } = require(path.join(libDir, 'core/redaction/detector-candidates.js')));
} catch {
  // an older or differently laid out build: that floor is left out
}
/** A plain deep copy: what building any new JSON tree of the payload's shape costs. */
function copy(value) {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copy);
  const out = {};
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i += 1) out[keys[i]] = copy(value[keys[i]]);
  return out;
}
const byteBuffer = Buffer.allocUnsafeSlow(8192);
const NEVER_STOP = new Uint8Array(256);
/** Latin-1 copy of `text` and one table look-up per byte: the least a byte-reading scan costs. */
function byteLoop(text) {
  const n = byteBuffer.write(text, 0, 'latin1');
  let stops = 0;
  for (let i = 0; i < n; i += 1) stops += NEVER_STOP[byteBuffer[i]];
  return stops;
}
/** The lines a payload's report holds, to rebuild the report alone (a Map filled as the redactor notes: get, then set). */
function reportLines(payload, type) {
  const report = new Map();
  redactor.redact(payload, type, report, 'request.body');
  return [...report];
}
function reportAlone(lines) {
  const report = new Map();
  for (let i = 0; i < lines.length; i += 1) {
    const [at, what] = lines[i];
    if (report.get(at) === undefined) report.set(at, what);
  }
  return reportObject(report);
}
const linesA = reportLines(declared, CreatePatientDto);
/** The notes buildEntry's trace gets for a payload, to rebuild the traced report alone (the notes added, then the stored object). */
function traceNotes(payload, type) {
  const trace = new RedactionTrace();
  redactor.redactTraced(payload, type, trace, 'request.body');
  return trace.notes.slice();
}
function traceAlone(notes) {
  const trace = new RedactionTrace();
  for (let i = 0; i < notes.length; i += 2) {
    if (typeof notes[i] === 'string') trace.add(notes[i], notes[i + 1]);
    else trace.addGroup(notes[i], notes[i + 1]); // a compiled walker's deferred notes
  }
  return redactor.reportObject(trace);
}
const notesA = productionRedact === tracedRedact ? traceNotes(declared, CreatePatientDto) : null;
/**
 * Each match the redactor finds in (b)'s strings, tried again the way find() tries it at the match's
 * start: an e-mail address by emailDomainEnd from its `@`, a card by cardMatchEnd and a phone number
 * that starts with `+` by phonePlusEnd (find's hand matchers, reading the text's units as Latin-1
 * bytes like the scan's buffer; the card one checks Luhn's sum in the same pass; cardEndCodes in
 * older builds, the expression for phone numbers), any other kind by its detector's own expression
 * (sticky). What locating these matches costs at the least, without the scan that finds where to
 * try, the local part's run before an `@`, validation (but the card's) or bookkeeping.
 */
const builtIns = lib.BUILT_IN_DETECTORS;
let detectorsModule = null;
try {
  // Internal module of the built library (not part of its API): find's hand matchers.
  detectorsModule = require(path.join(libDir, 'core/redaction/detectors.js'));
} catch {
  // an older build: every kind is tried with its expression
}
// cardEndCodes: builds before cardMatchEnd (which now stands alone).
const handMatchers =
  detectorsModule && typeof detectorsModule.emailDomainEnd === 'function' && (typeof detectorsModule.cardMatchEnd === 'function' || typeof detectorsModule.cardEndCodes === 'function');
const cardMatcher = handMatchers ? (typeof detectorsModule.cardMatchEnd === 'function' ? 'cardMatchEnd' : 'cardEndCodes') : null;
/** A text's units as find() reads them: Latin-1 bytes (a Buffer, as the scan's), two `@` sentinels, then zeros. */
function unitsOf(text) {
  const codes = Buffer.alloc(text.length + 8);
  for (let i = 0; i < text.length; i += 1) codes[i] = text.charCodeAt(i);
  codes[text.length] = 64;
  codes[text.length + 1] = 64;
  return codes;
}
const TRY_EXPRESSION = 0;
const TRY_EMAIL = 1;
const TRY_CARD = 2;
const TRY_PHONE_PLUS = 3;
const phonePlus = handMatchers && typeof detectorsModule.phonePlusEnd === 'function';
const matchTries = [];
const triedKinds = new Map();
for (const text of texts) {
  for (const match of redactor.detectorSet.find(text) ?? []) {
    const detector = redactor.detectorSet.detectors[match.detector];
    const builtIn = builtIns.indexOf(builtIns.find((d) => d.pattern.source === detector.pattern.source));
    if (builtIn < 0 || detector.group !== undefined) continue;
    const how =
      !handMatchers || /[^\x00-\xff]/.test(text)
        ? TRY_EXPRESSION
        : detector.kind === 'email'
          ? TRY_EMAIL
          : detector.kind === 'card'
            ? TRY_CARD
            : detector.kind === 'phone' && phonePlus && text.charCodeAt(match.start) === 43
              ? TRY_PHONE_PLUS
              : TRY_EXPRESSION;
    triedKinds.set(detector.kind, how === TRY_EMAIL ? 'emailDomainEnd' : how === TRY_CARD ? cardMatcher : how === TRY_PHONE_PLUS ? 'phonePlusEnd' : 'expression');
    matchTries.push({
      how,
      text,
      start: how === TRY_EMAIL ? text.indexOf('@', match.start) : match.start,
      codes: how === TRY_EXPRESSION ? null : unitsOf(text),
      sticky: new RegExp(detector.pattern.source, `${detector.pattern.flags.replace(/[gd]/g, '')}y`),
    });
  }
}
function matchTriesAlone() {
  let n = 0;
  for (let i = 0; i < matchTries.length; i += 1) {
    const t = matchTries[i];
    if (t.how === TRY_EMAIL) n += detectorsModule.emailDomainEnd(t.codes, t.start);
    else if (t.how === TRY_CARD) n += detectorsModule[cardMatcher](t.codes, t.start);
    else if (t.how === TRY_PHONE_PLUS) n += detectorsModule.phonePlusEnd(t.codes, t.start);
    else {
      t.sticky.lastIndex = t.start;
      if (t.sticky.test(t.text)) n += t.sticky.lastIndex;
    }
  }
  return n;
}
const floors = [
  ['(a) one HMAC pseudonym', declared, () => redactor.pseudonym(declared.email)],
  [`(a) report alone, ${linesA.length} lines`, declared, () => reportAlone(linesA)],
  ...(notesA ? [[`(a) trace alone, ${notesA.length / 2} notes`, declared, () => traceAlone(notesA)]] : []),
  ['(a) bare copy of the payload', declared, () => copy(declared)],
  // The two floors above in one iteration: together they cost more than their sum measured apart
  // (each alone keeps its code and data hot), and this is the least any redactor that returns a new
  // tree and pseudonymizes the e-mail pays per payload.
  ['(a) bare copy + one HMAC', declared, () => (copy(declared), redactor.pseudonym(declared.email))],
  // (a) recomposed: the walk without the HMAC, then the HMAC. Equal to (a) when the redactor adds
  // nothing to the pair beyond its two parts.
  ['(a) email not hashed + one HMAC', declared, () => (productionRedact(declared, CreatePatientNoHashDto), redactor.pseudonym(declared.email))],
  ['(b) bare copy of the payload', freeText, () => copy(freeText)],
  [`(b) bare byte loop, ${texts.length} strings`, freeText, () => { let n = 0; for (const text of texts) n += byteLoop(text); return n; }],
  ...(scanCandidates ? [[`(b) scan alone, ${texts.length} strings`, freeText, () => { let n = 0; for (const text of texts) n += scanCandidates(text); return n; }]] : []),
  [`(b) match tries, ${matchTries.length} matches`, freeText, matchTriesAlone],
  [`(b) detectors, ${texts.length} strings`, freeText, () => { let n = 0; for (const text of texts) n += redactor.detectorSet.find(text) === null ? 0 : 1; return n; }],
  // Each string as the walk treats it (quick checks, detectors, replacement, well-formedness), no walk.
  [`(b) redactText, ${texts.length} strings`, freeText, () => { const report = new Map(); let n = 0; for (const text of texts) n += redactor.redactText(text, report, 'request.body').length; return n; }],
];
console.log('floors (same payload stringified alongside):');
const floorUs = new Map();
for (const [name, payload, part] of floors) {
  const f = measurePart(payload, part);
  floorUs.set(name.split(',')[0], f.partUs);
  console.log(`${name.padEnd(30)} ${f.partUs.toFixed(2).padStart(6)} µs = ${f.ratio.toFixed(2)}× JSON.stringify (${f.stringifyUs.toFixed(2)} µs)`);
}
// (b) split into its parts (differences of the medians above: indicative, each measured in its own rounds).
// The strings' share is what the redactor does to them; the scan and detector rows above run on all
// of them, including those the redactor keeps after a quick check (short texts, ISO timestamps).
const textUs = floorUs.get('(b) redactText');
const b = results[1];
const times = (us) => `${(us / b.stringifyUs).toFixed(2)}×`;
console.log(
  `(b) redact ${b.redactUs.toFixed(2)} µs (${times(b.redactUs)}) = strings (redactText) ${textUs.toFixed(2)} µs (${times(textUs)}) + walk ${(b.redactUs - textUs).toFixed(2)} µs (${times(b.redactUs - textUs)})`,
);
// The detectors split likewise: the scan (every byte), the match tries (every match: find's own
// matcher per kind, listed below), and the rest (candidate look-ups, validation, match bookkeeping,
// the UUID filter). The scan and detector rows
// include the 6 ISO timestamps the redactor keeps after one expression test.
const scanUs = floorUs.get('(b) scan alone');
const detectUs = floorUs.get('(b) detectors');
const exprUs = floorUs.get('(b) match tries');
if (scanUs !== undefined) {
  console.log(
    `(b) detectors ${detectUs.toFixed(2)} µs (${times(detectUs)}) = scan ${scanUs.toFixed(2)} µs (${times(scanUs)}) + match tries ${exprUs.toFixed(2)} µs (${times(exprUs)}) + the rest ${(detectUs - scanUs - exprUs).toFixed(2)} µs (${times(detectUs - scanUs - exprUs)})`,
  );
}
console.log(`(b) match tries by kind: ${[...triedKinds].map(([kind, how]) => `${kind} ${how}`).join(', ')}`);
if (sink < 0) console.log(sink);
