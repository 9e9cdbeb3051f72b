// Official MLS test vectors for the cryptographic layer: crypto-basics, secret-tree,
// key-schedule, psk_secret, transcript-hashes and message-protection (test-vectors.md), run with
// ts-mls's real functions on the native and the stock crypto providers.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import {
  decodeMlsMessage,
  defaultKeyRetentionConfig,
  defaultPaddingConfig,
  type CiphersuiteImpl,
  type GroupContext,
  type MLSMessage,
  type RatchetTree,
} from 'ts-mls';
import { decodeAuthenticatedContent } from 'ts-mls/authenticatedContent.js';
import { decodeCommit, encodeCommit } from 'ts-mls/commit.js';
import { getCiphersuiteNameFromId, type CiphersuiteId } from 'ts-mls/crypto/ciphersuite.js';
import { refhash } from 'ts-mls/crypto/hash.js';
import { decryptWithLabel, encryptWithLabel } from 'ts-mls/crypto/hpke.js';
import { deriveSecret, deriveTreeSecret, expandWithLabel } from 'ts-mls/crypto/kdf.js';
import { signWithLabel, verifyWithLabel } from 'ts-mls/crypto/signature.js';
import {
  createConfirmationTag,
  createContentCommitSignature,
  verifyConfirmationTag,
} from 'ts-mls/framedContent.js';
import { encodeGroupContext } from 'ts-mls/groupContext.js';
import { initializeEpoch, mlsExporter } from 'ts-mls/keySchedule.js';
import {
  protect,
  protectApplicationData,
  protectProposal,
  unprotectPrivateMessage,
} from 'ts-mls/messageProtection.js';
import {
  protectProposalPublic,
  protectPublicMessage,
  unprotectPublicMessage,
} from 'ts-mls/messageProtectionPublic.js';
import { computePskSecret } from 'ts-mls/presharedkey.js';
import { decodeProposal, encodeProposal } from 'ts-mls/proposal.js';
import { createSecretTree, ratchetToGeneration } from 'ts-mls/secretTree.js';
import { expandSenderDataKey, expandSenderDataNonce } from 'ts-mls/sender.js';
import { createConfirmedHash, createInterimHash } from 'ts-mls/transcriptHash.js';
import { hex, sameBytes, vectorTests } from './vector-harness.ts';

const suiteOf = (v: { cipher_suite: number }): number => v.cipher_suite;
const need = (cs: CiphersuiteImpl | undefined): CiphersuiteImpl => {
  assert.ok(cs);
  return cs;
};
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

interface CryptoBasics {
  cipher_suite: number;
  ref_hash: { label: string; value: string; out: string };
  expand_with_label: { secret: string; label: string; context: string; length: number; out: string };
  derive_secret: { secret: string; label: string; out: string };
  derive_tree_secret: { secret: string; label: string; generation: number; length: number; out: string };
  sign_with_label: { priv: string; pub: string; content: string; label: string; signature: string };
  encrypt_with_label: {
    priv: string;
    pub: string;
    label: string;
    context: string;
    plaintext: string;
    kem_output: string;
    ciphertext: string;
  };
}

vectorTests<CryptoBasics>(
  'crypto-basics.json',
  async (v, c) => {
    const cs = need(c);
    const r = v.ref_hash;
    sameBytes(await refhash(r.label, hex(r.value), cs.hash), r.out, 'RefHash');
    const e = v.expand_with_label;
    sameBytes(
      await expandWithLabel(hex(e.secret), e.label, hex(e.context), e.length, cs.kdf),
      e.out,
      'ExpandWithLabel',
    );
    const d = v.derive_secret;
    sameBytes(await deriveSecret(hex(d.secret), d.label, cs.kdf), d.out, 'DeriveSecret');
    const t = v.derive_tree_secret;
    sameBytes(
      await deriveTreeSecret(hex(t.secret), t.label, t.generation, t.length, cs.kdf),
      t.out,
      'DeriveTreeSecret',
    );
    const s = v.sign_with_label;
    assert.ok(
      await verifyWithLabel(hex(s.pub), s.label, hex(s.content), hex(s.signature), cs.signature),
      'VerifyWithLabel',
    );
    const mine = await signWithLabel(hex(s.priv), s.label, hex(s.content), cs.signature);
    assert.ok(
      await verifyWithLabel(hex(s.pub), s.label, hex(s.content), mine, cs.signature),
      'SignWithLabel round trip',
    );
    const x = v.encrypt_with_label;
    const priv = await cs.hpke.importPrivateKey(hex(x.priv));
    const opened = await decryptWithLabel(
      priv,
      x.label,
      hex(x.context),
      hex(x.kem_output),
      hex(x.ciphertext),
      cs.hpke,
    );
    sameBytes(opened, x.plaintext, 'DecryptWithLabel');
    const sealed = await encryptWithLabel(
      await cs.hpke.importPublicKey(hex(x.pub)),
      x.label,
      hex(x.context),
      hex(x.plaintext),
      cs.hpke,
    );
    sameBytes(
      await decryptWithLabel(priv, x.label, hex(x.context), sealed.enc, sealed.ct, cs.hpke),
      x.plaintext,
      'EncryptWithLabel round trip',
    );
  },
  { suiteOf },
);

interface SecretTreeVector {
  cipher_suite: number;
  sender_data: { sender_data_secret: string; ciphertext: string; key: string; nonce: string };
  encryption_secret: string;
  leaves: {
    generation: number;
    handshake_key: string;
    handshake_nonce: string;
    application_key: string;
    application_nonce: string;
  }[][];
}

vectorTests<SecretTreeVector>(
  'secret-tree.json',
  async (v, c) => {
    const cs = need(c);
    const sd = v.sender_data;
    sameBytes(
      await expandSenderDataKey(cs, hex(sd.sender_data_secret), hex(sd.ciphertext)),
      sd.key,
      'sender_data_key',
    );
    sameBytes(
      await expandSenderDataNonce(cs, hex(sd.sender_data_secret), hex(sd.ciphertext)),
      sd.nonce,
      'sender_data_nonce',
    );
    const tree = await createSecretTree(v.leaves.length, hex(v.encryption_secret), cs.kdf);
    const config = { ...defaultKeyRetentionConfig, maximumForwardRatchetSteps: 1 << 16 };
    const reuseGuard = new Uint8Array(4) as Uint8Array & { length: 4 };
    for (const [leafIndex, generations] of v.leaves.entries()) {
      for (const g of generations) {
        // The production path: ratchet a fresh tree to the generation, as on receiving.
        const senderData = { leafIndex, generation: g.generation, reuseGuard };
        const hs = await ratchetToGeneration(tree, senderData, 'commit', config, cs);
        sameBytes(hs.key, g.handshake_key, `handshake key ${leafIndex}/${g.generation}`);
        sameBytes(hs.nonce, g.handshake_nonce, `handshake nonce ${leafIndex}/${g.generation}`);
        const app = await ratchetToGeneration(tree, senderData, 'application', config, cs);
        sameBytes(app.key, g.application_key, `application key ${leafIndex}/${g.generation}`);
        sameBytes(app.nonce, g.application_nonce, `application nonce ${leafIndex}/${g.generation}`);
      }
    }
  },
  { suiteOf },
);

interface KeyScheduleVector {
  cipher_suite: number;
  group_id: string;
  initial_init_secret: string;
  epochs: {
    tree_hash: string;
    commit_secret: string;
    psk_secret: string;
    confirmed_transcript_hash: string;
    group_context: string;
    joiner_secret: string;
    welcome_secret: string;
    init_secret: string;
    sender_data_secret: string;
    encryption_secret: string;
    exporter_secret: string;
    epoch_authenticator: string;
    external_secret: string;
    confirmation_key: string;
    membership_key: string;
    resumption_psk: string;
    external_pub: string;
    exporter: { label: string; context: string; length: number; secret: string };
  }[];
}

/** The exporter label as a string when its bytes are UTF-8 (ts-mls's exporter takes strings). */
function utf8Label(bytes: Uint8Array): string | undefined {
  try {
    const s = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return Buffer.compare(Buffer.from(utf8(s)), Buffer.from(bytes)) === 0 ? s : undefined;
  } catch {
    return undefined;
  }
}

const exporterChecks = { run: 0, skippedNonUtf8: 0 };
after(() =>
  console.log(
    `CONFORMANCE key-schedule.json exporter sub-check | run ${exporterChecks.run} | skipped ${exporterChecks.skippedNonUtf8} (label bytes not UTF-8; ts-mls's mlsExporter takes a string label)`,
  ),
);

vectorTests<KeyScheduleVector>(
  'key-schedule.json',
  async (v, c) => {
    const cs = need(c);
    let initSecret = hex(v.initial_init_secret);
    for (const [i, e] of v.epochs.entries()) {
      const context: GroupContext = {
        version: 'mls10',
        cipherSuite: getCiphersuiteNameFromId(v.cipher_suite as CiphersuiteId),
        groupId: hex(v.group_id),
        epoch: BigInt(i),
        treeHash: hex(e.tree_hash),
        confirmedTranscriptHash: hex(e.confirmed_transcript_hash),
        extensions: [],
      };
      sameBytes(encodeGroupContext(context), e.group_context, `group_context ${i}`);
      const s = await initializeEpoch(initSecret, hex(e.commit_secret), context, hex(e.psk_secret), cs.kdf);
      const ks = s.keySchedule;
      sameBytes(s.joinerSecret, e.joiner_secret, 'joiner_secret');
      sameBytes(s.welcomeSecret, e.welcome_secret, 'welcome_secret');
      sameBytes(s.encryptionSecret, e.encryption_secret, 'encryption_secret');
      sameBytes(ks.initSecret, e.init_secret, 'init_secret');
      sameBytes(ks.senderDataSecret, e.sender_data_secret, 'sender_data_secret');
      sameBytes(ks.exporterSecret, e.exporter_secret, 'exporter_secret');
      sameBytes(ks.epochAuthenticator, e.epoch_authenticator, 'epoch_authenticator');
      sameBytes(ks.externalSecret, e.external_secret, 'external_secret');
      sameBytes(ks.confirmationKey, e.confirmation_key, 'confirmation_key');
      sameBytes(ks.membershipKey, e.membership_key, 'membership_key');
      sameBytes(ks.resumptionPsk, e.resumption_psk, 'resumption_psk');
      const external = await cs.hpke.deriveKeyPair(ks.externalSecret);
      sameBytes(await cs.hpke.exportPublicKey(external.publicKey), e.external_pub, 'external_pub');
      const label = utf8Label(hex(e.exporter.label));
      if (label === undefined) exporterChecks.skippedNonUtf8++;
      else {
        exporterChecks.run++;
        const out = await mlsExporter(
          ks.exporterSecret,
          label,
          hex(e.exporter.context),
          e.exporter.length,
          cs,
        );
        sameBytes(out, e.exporter.secret, 'MLS-Exporter');
      }
      initSecret = ks.initSecret;
    }
  },
  { suiteOf },
);

interface PskVector {
  cipher_suite: number;
  psks: { psk_id: string; psk: string; psk_nonce: string }[];
  psk_secret: string;
}

vectorTests<PskVector>(
  'psk_secret.json',
  async (v, c) => {
    const cs = need(c);
    const psks = v.psks.map(
      (p) =>
        [
          { psktype: 'external' as const, pskId: hex(p.psk_id), pskNonce: hex(p.psk_nonce) },
          hex(p.psk),
        ] as const,
    );
    sameBytes(
      await computePskSecret(
        psks.map(([id, psk]) => [id, psk]),
        cs,
      ),
      v.psk_secret,
      'psk_secret',
    );
  },
  { suiteOf },
);

interface TranscriptVector {
  cipher_suite: number;
  confirmation_key: string;
  authenticated_content: string;
  interim_transcript_hash_before: string;
  confirmed_transcript_hash_after: string;
  interim_transcript_hash_after: string;
}

vectorTests<TranscriptVector>(
  'transcript-hashes.json',
  async (v, c) => {
    const cs = need(c);
    const decoded = decodeAuthenticatedContent(hex(v.authenticated_content), 0);
    assert.ok(decoded);
    const ac = decoded[0];
    assert.equal(ac.content.contentType, 'commit');
    assert.equal(ac.auth.contentType, 'commit');
    if (ac.content.contentType !== 'commit' || ac.auth.contentType !== 'commit') return;
    const tagOk = await verifyConfirmationTag(
      hex(v.confirmation_key),
      ac.auth.confirmationTag,
      hex(v.confirmed_transcript_hash_after),
      cs.hash,
    );
    assert.ok(tagOk, 'confirmation_tag');
    const confirmed = await createConfirmedHash(
      hex(v.interim_transcript_hash_before),
      { wireformat: ac.wireformat, content: ac.content, signature: ac.auth.signature },
      cs.hash,
    );
    sameBytes(confirmed, v.confirmed_transcript_hash_after, 'confirmed_transcript_hash');
    sameBytes(
      await createInterimHash(confirmed, ac.auth.confirmationTag, cs.hash),
      v.interim_transcript_hash_after,
      'interim',
    );
  },
  { suiteOf },
);

interface ProtectionVector {
  cipher_suite: number;
  group_id: string;
  epoch: number;
  tree_hash: string;
  confirmed_transcript_hash: string;
  signature_priv: string;
  signature_pub: string;
  encryption_secret: string;
  sender_data_secret: string;
  membership_key: string;
  proposal: string;
  proposal_pub: string;
  proposal_priv: string;
  commit: string;
  commit_pub: string;
  commit_priv: string;
  application: string;
  application_priv: string;
}

type Wire<W extends MLSMessage['wireformat']> = Extract<MLSMessage, { wireformat: W }>;
function message<W extends MLSMessage['wireformat']>(h: string, w: W): Wire<W> {
  const d = decodeMlsMessage(hex(h), 0);
  assert.ok(d);
  assert.equal(d[0].wireformat, w);
  return d[0] as Wire<W>;
}

vectorTests<ProtectionVector>(
  'message-protection.json',
  async (v, c) => {
    const cs = need(c);
    const gc: GroupContext = {
      version: 'mls10',
      cipherSuite: getCiphersuiteNameFromId(v.cipher_suite as CiphersuiteId),
      groupId: hex(v.group_id),
      epoch: BigInt(v.epoch),
      treeHash: hex(v.tree_hash),
      confirmedTranscriptHash: hex(v.confirmed_transcript_hash),
      extensions: [],
    };
    const sigPub = hex(v.signature_pub);
    const sigPriv = hex(v.signature_priv);
    const membershipKey = hex(v.membership_key);
    const senderDataSecret = hex(v.sender_data_secret);
    // Two leaves; the sender is leaf 1. Only its presence matters: the signature key is given.
    const leaf = {
      nodeType: 'leaf' as const,
      leaf: {
        hpkePublicKey: new Uint8Array(),
        signaturePublicKey: sigPub,
        credential: { credentialType: 'basic' as const, identity: new Uint8Array() },
        capabilities: { versions: [], ciphersuites: [], extensions: [], proposals: [], credentials: [] },
        leafNodeSource: 'update' as const,
        extensions: [],
        signature: new Uint8Array(),
      },
    };
    const ratchetTree: RatchetTree = [undefined, undefined, leaf];
    const freshTree = () => createSecretTree(2, hex(v.encryption_secret), cs.kdf);
    const unprotectPriv = async (m: Wire<'mls_private_message'>) =>
      (
        await unprotectPrivateMessage(
          senderDataSecret,
          m.privateMessage,
          await freshTree(),
          ratchetTree,
          gc,
          defaultKeyRetentionConfig,
          cs,
          sigPub,
        )
      ).content;

    // Proposal.
    const proposal = decodeProposal(hex(v.proposal), 0)?.[0];
    assert.ok(proposal);
    const pubP = await unprotectPublicMessage(
      membershipKey,
      gc,
      ratchetTree,
      message(v.proposal_pub, 'mls_public_message').publicMessage,
      cs,
      sigPub,
    );
    assert.equal(pubP.content.contentType, 'proposal');
    if (pubP.content.contentType === 'proposal')
      sameBytes(encodeProposal(pubP.content.proposal), v.proposal, 'proposal_pub');
    const myPubP = await protectProposalPublic(sigPriv, membershipKey, gc, new Uint8Array(), proposal, 1, cs);
    await unprotectPublicMessage(membershipKey, gc, ratchetTree, myPubP.publicMessage, cs, sigPub);
    const privP = await unprotectPriv(message(v.proposal_priv, 'mls_private_message'));
    assert.equal(privP.content.contentType, 'proposal');
    if (privP.content.contentType === 'proposal')
      sameBytes(encodeProposal(privP.content.proposal), v.proposal, 'proposal_priv');
    const myPrivP = await protectProposal(
      sigPriv,
      senderDataSecret,
      proposal,
      new Uint8Array(),
      gc,
      await freshTree(),
      1,
      defaultPaddingConfig,
      cs,
    );
    await unprotectPriv({
      version: 'mls10',
      wireformat: 'mls_private_message',
      privateMessage: myPrivP.privateMessage,
    });

    // Commit.
    const commit = decodeCommit(hex(v.commit), 0)?.[0];
    assert.ok(commit);
    const pubC = await unprotectPublicMessage(
      membershipKey,
      gc,
      ratchetTree,
      message(v.commit_pub, 'mls_public_message').publicMessage,
      cs,
      sigPub,
    );
    assert.equal(pubC.content.contentType, 'commit');
    if (pubC.content.contentType === 'commit')
      sameBytes(encodeCommit(pubC.content.commit), v.commit, 'commit_pub');
    const privC = await unprotectPriv(message(v.commit_priv, 'mls_private_message'));
    assert.equal(privC.content.contentType, 'commit');
    if (privC.content.contentType === 'commit')
      sameBytes(encodeCommit(privC.content.commit), v.commit, 'commit_priv');
    const sender = { senderType: 'member' as const, leafIndex: 1 };
    const confirmationTag = await createConfirmationTag(
      new Uint8Array(cs.kdf.size),
      new Uint8Array(),
      cs.hash,
    );
    for (const wireformat of ['mls_public_message', 'mls_private_message'] as const) {
      const { signature, framedContent } = await createContentCommitSignature(
        gc,
        wireformat,
        commit,
        sender,
        new Uint8Array(),
        sigPriv,
        cs.signature,
      );
      const auth = { contentType: 'commit' as const, signature, confirmationTag };
      if (wireformat === 'mls_public_message') {
        const pm = await protectPublicMessage(
          membershipKey,
          gc,
          { wireformat, content: framedContent, auth },
          cs,
        );
        await unprotectPublicMessage(membershipKey, gc, ratchetTree, pm, cs, sigPub);
      } else {
        const pm = await protect(
          senderDataSecret,
          new Uint8Array(),
          gc,
          await freshTree(),
          { contentType: 'commit', commit, auth },
          1,
          defaultPaddingConfig,
          cs,
        );
        await unprotectPriv({ version: 'mls10', wireformat, privateMessage: pm.privateMessage });
      }
    }

    // Application data: private only; protecting it as a PublicMessage must fail.
    const privA = await unprotectPriv(message(v.application_priv, 'mls_private_message'));
    assert.equal(privA.content.contentType, 'application');
    if (privA.content.contentType === 'application')
      sameBytes(privA.content.applicationData, v.application, 'application_priv');
    const myA = await protectApplicationData(
      sigPriv,
      senderDataSecret,
      hex(v.application),
      new Uint8Array(),
      gc,
      await freshTree(),
      1,
      defaultPaddingConfig,
      cs,
    );
    const backA = await unprotectPriv({
      version: 'mls10',
      wireformat: 'mls_private_message',
      privateMessage: myA.privateMessage,
    });
    if (backA.content.contentType === 'application')
      sameBytes(backA.content.applicationData, v.application, 'application round trip');
    await assert.rejects(
      protectPublicMessage(
        membershipKey,
        gc,
        { wireformat: 'mls_public_message', content: { ...privA.content, sender }, auth: privA.auth },
        cs,
      ),
    );
  },
  { suiteOf },
);
