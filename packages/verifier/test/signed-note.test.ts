// Signed notes, verifier keys and checkpoint signatures.
//
// Known answers: the example of C2SP signed-note.md ("Verifier keys", at
// https://github.com/C2SP/C2SP/blob/main/signed-note.md) and the example in
// the documentation of Go's golang.org/x/mod/sumdb/note package (PeterNeumann).
// Everything else is signed here with a fresh node:crypto Ed25519 key.
import { describe, expect, it } from 'vitest';
import { utf8 } from '../src/bytes.ts';
import { parseCheckpointText } from '../src/checkpoint.ts';
import { verifyEd25519 } from '../src/ed25519.ts';
import { NoteFormatError, parseSignedNote } from '../src/signed-note.ts';
import { formatVerifierKey, parseVerifierKey, VerifierKeyError } from '../src/verifier-key.ts';
import { verifyCheckpoint } from '../src/verify-checkpoint.ts';
import { leafHash } from './support/reference-tree.ts';
import { newSigner, signatureLine, signCheckpoint } from './support/signing.ts';

const published = [
  {
    source: 'C2SP signed-note',
    vkey: 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k',
    note: 'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n',
  },
  {
    source: 'Go sumdb/note',
    vkey: 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
    note:
      "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n" +
      '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n',
  },
];

describe('published signed notes', () => {
  it.each(published)('$source: key id, parsing and signature agree', async ({ vkey, note }) => {
    const key = await parseVerifierKey(vkey);
    expect(await formatVerifierKey(key.keyName, key.publicKey)).toBe(vkey);
    const parsed = parseSignedNote(note);
    expect(parsed.signatures).toHaveLength(1);
    const [signature] = parsed.signatures;
    expect(signature?.keyName).toBe(key.keyName);
    expect(signature?.keyId).toBe(key.keyId);
    expect(await verifyEd25519(key.publicKey, signature?.signature ?? new Uint8Array(), utf8(parsed.text))).toBe(true);
    // One changed character of the text and the same signature no longer holds.
    const edited = utf8(parsed.text.replace('example', 'exemple').replace('answer', 'anwser'));
    expect(await verifyEd25519(key.publicKey, signature?.signature ?? new Uint8Array(), edited)).toBe(false);
  });

  it('refuses a verifier key whose id does not match its name and key', async () => {
    await expect(
      parseVerifierKey('example.com/bar+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k'),
    ).rejects.toThrow(VerifierKeyError);
    await expect(
      parseVerifierKey('example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k'),
    ).rejects.toThrow(/does not match/);
  });

  it.each([
    ['', 'empty'],
    ['name+530d903a', 'two parts'],
    ['name+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k', 'upper-case id'],
    ['na me+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k', 'space in the name'],
    ['name+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2', 'short key'],
    ['name+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k', 'not Ed25519'],
    ['name\u0000+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k', 'NUL byte'],
  ])('refuses the malformed verifier key %j (%s)', async (vkey) => {
    await expect(parseVerifierKey(vkey)).rejects.toThrow(VerifierKeyError);
  });

  it('reads a verifier key whose base64 contains plus signs', async () => {
    let signer = newSigner('skillhub.test');
    while (!signer.vkey.split('+').slice(2).join('+').includes('+')) signer = newSigner('skillhub.test');
    const key = await parseVerifierKey(signer.vkey);
    expect(Buffer.from(key.publicKey).equals(signer.publicKey)).toBe(true);
  });
});

describe('parseSignedNote', () => {
  const text = 'skillhub.test/audit/t1\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
  it('splits at the last blank line and keeps several signatures', () => {
    const a = newSigner('a.example');
    const b = newSigner('b.example');
    const note = `${text}\n${signatureLine(a, text)}${signatureLine(b, text)}`;
    const parsed = parseSignedNote(note);
    expect(parsed.text).toBe(text);
    expect(parsed.signatures.map((s) => [s.keyName, s.keyId])).toEqual([
      ['a.example', a.keyId],
      ['b.example', b.keyId],
    ]);
  });

  it.each([
    ['no signatures', `${text}\n`],
    ['no blank line', `${text}\u2014 a AAAAAAA=\n`],
    ['no final newline', `${text}\n\u2014 a AAAAAAA=`],
    ['a hyphen for the dash', `${text}\n- a AAAAAAA=\n`],
    ['a carriage return', `${text}\n\u2014 a AAAAAAA=\r\n`],
    ['a NUL byte', `skillhub\u0000\n1\n\n\u2014 a AAAAAAA=\n`],
    ['a lone surrogate', `skillhub\ud800\n1\n\n\u2014 a AAAAAAA=\n`],
    ['a signature too short for a key id', `${text}\n\u2014 a AAA=\n`],
    ['a signature that is not base64', `${text}\n\u2014 a AAAA!AA=\n`],
  ])('refuses a note with %s', (_what, note) => {
    expect(() => parseSignedNote(note)).toThrow(NoteFormatError);
  });

  it('refuses a huge note without reading it as signatures', () => {
    expect(() => parseSignedNote(`${'x'.repeat(2 << 20)}\n\n\u2014 a AAAAAAA=\n`)).toThrow(/too long/);
  });
});

describe('parseCheckpointText', () => {
  const root = Buffer.alloc(32, 7).toString('base64');
  it('reads origin, size and root', () => {
    expect(parseCheckpointText(`skillhub.test/audit/t1\n42\n${root}\n`)).toMatchObject({
      origin: 'skillhub.test/audit/t1',
      treeSize: 42,
      rootHashBase64: root,
      extensions: [],
    });
  });
  it.each([
    ['a leading zero', `o\n042\n${root}\n`],
    ['a negative size', `o\n-1\n${root}\n`],
    ['a size beyond 2^53', `o\n9007199254740993\n${root}\n`],
    ['an empty origin', `\n1\n${root}\n`],
    ['a short root', 'o\n1\nAAAA\n'],
    ['no root', 'o\n1\n'],
    ['an empty extension line', `o\n1\n${root}\n\n`],
  ])('refuses a checkpoint with %s', (_what, text) => {
    expect(() => parseCheckpointText(text)).toThrow(NoteFormatError);
  });
});

describe('verifyCheckpoint', () => {
  const signer = newSigner('skillhub.test');
  const root = leafHash('some event');
  const origin = 'skillhub.test/audit/tenant-1';

  it('accepts a checkpoint signed by the key, among signatures by other keys', async () => {
    const note = signCheckpoint(origin, 5, root, newSigner('witness.example'), signer);
    const verdict = await verifyCheckpoint(note, await parseVerifierKey(signer.vkey));
    expect(verdict).toMatchObject({ ok: true, checkpoint: { origin, treeSize: 5 } });
  });

  it('reports a changed size, root or origin under the original signature as forged', async () => {
    const key = await parseVerifierKey(signer.vkey);
    const note = signCheckpoint(origin, 5, root, signer);
    const b64 = Buffer.from(root).toString('base64');
    const other = Buffer.from(leafHash('another event')).toString('base64');
    for (const edited of [
      note.replace('\n5\n', '\n6\n'),
      note.replace(b64, other),
      note.replace('tenant-1', 'tenant-2'),
    ]) {
      expect(await verifyCheckpoint(edited, key)).toMatchObject({ ok: false, kind: 'forged' });
    }
  });

  it('reports a checkpoint signed by another key, even one that borrows the name, as signed by an unknown key', async () => {
    const key = await parseVerifierKey(signer.vkey);
    const impostor = newSigner('skillhub.test');
    expect(await verifyCheckpoint(signCheckpoint(origin, 5, root, impostor), key)).toMatchObject({
      ok: false,
      kind: 'unknown-key',
    });
  });

  it('reports a signature line that claims the key but carries another signature as forged', async () => {
    const key = await parseVerifierKey(signer.vkey);
    const impostor = newSigner('skillhub.test');
    const parsed = parseSignedNote(signCheckpoint(origin, 5, root, impostor));
    const stolenId = Buffer.concat([
      Buffer.from(signer.keyId, 'hex'),
      parsed.signatures[0]?.signature ?? Buffer.alloc(64),
    ]);
    const note = `${parsed.text}\n\u2014 skillhub.test ${stolenId.toString('base64')}\n`;
    expect(await verifyCheckpoint(note, key)).toMatchObject({ ok: false, kind: 'forged' });
  });

  it('reports a note that is not a checkpoint as malformed', async () => {
    const key = await parseVerifierKey(signer.vkey);
    const text = 'hello\n';
    expect(await verifyCheckpoint(`${text}\n${signatureLine(signer, text)}`, key)).toMatchObject({
      ok: false,
      kind: 'malformed',
    });
    expect(await verifyCheckpoint('garbage', key)).toMatchObject({ ok: false, kind: 'malformed' });
  });
});
