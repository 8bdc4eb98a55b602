/**
 * CPython's connection authentication (`multiprocessing/connection.py`,
 * `deliver_challenge` / `answer_challenge`), byte for byte, so that a
 * TypeScript and a Python process can authenticate each other:
 *
 * - the challenger sends `#CHALLENGE#{sha256}` + 40 random bytes;
 * - the answer is `{digest}` + HMAC(authkey, challenge-without-the-tag) for a
 *   prefixed challenge, or a raw 16-byte HMAC-MD5 for the 20-byte challenges
 *   of Python ≤ 3.11 (which also answer our prefixed challenge that way);
 * - the challenger replies `#WELCOME#` or `#FAILURE#`.
 *
 * A listener challenges then answers; a client answers then challenges: both
 * sides are authenticated. Every handshake message is capped at 256 bytes.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { Effect } from "effect"
import { AuthenticationError } from "../../Errors.js"

/**
 * What is wrong with an authkey given by the caller, if anything: it must be
 * bytes, as Python's `TypeError` says (a number or a string once reached the
 * HMAC and failed there, or left the peer waiting).
 */
export const authkeyProblem = (authkey: unknown): string | undefined => {
  if (authkey === undefined || authkey instanceof Uint8Array) return undefined
  const what = authkey === null ? "null" : Array.isArray(authkey) ? "an array" : typeof authkey
  return `authkey must be bytes (a Uint8Array, e.g. Buffer.from("secret")), not ${what}`
}

/** What the handshake needs of a connection: framed messages both ways. */
export interface FramedChannel<E> {
  readonly sendBytes: (bytes: Uint8Array) => Effect.Effect<void, E>
  readonly recvBytes: (maxLength: number) => Effect.Effect<Uint8Array, E>
}

const CHALLENGE = Buffer.from("#CHALLENGE#")
const WELCOME = Buffer.from("#WELCOME#")
const FAILURE = Buffer.from("#FAILURE#")
const MESSAGE_LENGTH = 40
const MAX_HANDSHAKE_MESSAGE = 256
const MD5_ONLY_MESSAGE_LENGTH = 20
const MD5_DIGEST_LENGTH = 16

/** Python's digest names, and Node's for the same HMACs. */
const digests: Record<string, string> = {
  md5: "md5",
  sha256: "sha256",
  sha384: "sha384",
  sha3_256: "sha3-256",
  sha3_384: "sha3-384"
}
const MAX_DIGEST_NAME = Math.max(...Object.keys(digests).map((name) => name.length))

const fail = (message: string) => Effect.fail(new AuthenticationError({ message }))

/** Python's messages come first, so they match its; what to do follows. */
const GIVE_BOTH = "give the Listener and the Client the same `authkey`"
const DIFFERENT_KEYS = `the two ends were given different authkeys: ${GIVE_BOTH}`
const NO_ANSWER = `the peer did not answer the challenge: was it given no \`authkey\`? ${GIVE_BOTH}`

/** What a manager's client is told instead: it has no Listener or Client of its own, only `connect()`. */
const GIVE_MANAGER = "connect with the `authkey` the manager serves with"

/** A failed handshake with a manager, in words for its client (the handshake's own speak of a Listener and a Client). */
export const toManagerClient = (error: AuthenticationError): AuthenticationError =>
  new AuthenticationError({ message: error.message.replaceAll(GIVE_BOTH, GIVE_MANAGER) })

/** `{digest}payload` → [digest, payload]; the legacy lengths → ["", message]. */
const digestAndPayload = (
  message: Buffer,
  why: "challenge" | "answer"
): Effect.Effect<readonly [string, Buffer], AuthenticationError> => {
  if (message.length === MD5_ONLY_MESSAGE_LENGTH || message.length === MD5_DIGEST_LENGTH) {
    return Effect.succeed(["", message] as const)
  }
  if (message[0] === 0x7b /* { */) {
    const close = message.indexOf(0x7d /* } */, 1)
    if (close > 0 && close <= MAX_DIGEST_NAME + 1) {
      const name = message.subarray(1, close).toString("latin1")
      if (name in digests) return Effect.succeed([name, message.subarray(close + 1)] as const)
    }
  }
  const unsupported = "unsupported message length, missing digest prefix, or unsupported digest"
  // An answer that is not one is most likely data from a peer that was given no authkey.
  return fail(why === "answer" ? `${unsupported} (${NO_ANSWER})` : unsupported)
}

const hmac = (digest: string, key: Uint8Array, message: Uint8Array) => createHmac(digests[digest], key).update(message).digest()

/** Our reply to a challenge: `{digest}` + HMAC, or a raw HMAC-MD5 for a legacy (unprefixed) challenge. */
const respond = (authkey: Uint8Array, message: Buffer) =>
  Effect.map(digestAndPayload(message, "challenge"), ([digest]) =>
    digest === "" ? hmac("md5", authkey, message) : Buffer.concat([Buffer.from(`{${digest}}`), hmac(digest, authkey, message)]))

/** Checks a reply to our challenge; a client may answer with any allowed digest, MD5 when unprefixed. */
const verify = (authkey: Uint8Array, message: Buffer, response: Buffer) =>
  Effect.flatMap(digestAndPayload(response, "answer"), ([digest, mac]) => {
    const expected = hmac(digest || "md5", authkey, message)
    if (expected.length !== mac.length) {
      return fail(`expected '${digest || "md5"}' of length ${expected.length} got ${mac.length}`)
    }
    return timingSafeEqual(expected, mac) ? Effect.void : fail(`digest received was wrong: ${DIFFERENT_KEYS}`)
  })

/** Challenges the peer (Python's `deliver_challenge`); fails on a wrong answer after telling it `#FAILURE#`. */
export const deliverChallenge = <E>(
  channel: FramedChannel<E>,
  authkey: Uint8Array,
  digest: keyof typeof digests = "sha256"
): Effect.Effect<void, AuthenticationError | E> =>
  Effect.gen(function*() {
    const message = Buffer.concat([Buffer.from(`{${digest}}`), randomBytes(MESSAGE_LENGTH)])
    yield* channel.sendBytes(Buffer.concat([CHALLENGE, message]))
    const response = Buffer.from(yield* channel.recvBytes(MAX_HANDSHAKE_MESSAGE))
    yield* verify(authkey, message, response).pipe(
      Effect.tapError(() => channel.sendBytes(FAILURE))
    )
    yield* channel.sendBytes(WELCOME)
  })

/** Answers the peer's challenge (Python's `answer_challenge`); fails when the peer rejects the answer. */
export const answerChallenge = <E>(
  channel: FramedChannel<E>,
  authkey: Uint8Array
): Effect.Effect<void, AuthenticationError | E> =>
  Effect.gen(function*() {
    const received = Buffer.from(yield* channel.recvBytes(MAX_HANDSHAKE_MESSAGE))
    if (!received.subarray(0, CHALLENGE.length).equals(CHALLENGE)) {
      return yield* fail(
        `protocol error: expected a challenge, but the peer sent a message: was it given no \`authkey\`? ${GIVE_BOTH}`
      )
    }
    const message = received.subarray(CHALLENGE.length)
    if (message.length < MD5_ONLY_MESSAGE_LENGTH) return yield* fail(`challenge too short: ${message.length} bytes`)
    yield* channel.sendBytes(yield* respond(authkey, message))
    const verdict = Buffer.from(yield* channel.recvBytes(MAX_HANDSHAKE_MESSAGE))
    if (!verdict.equals(WELCOME)) return yield* fail(`digest sent was rejected: ${DIFFERENT_KEYS}`)
  })

/** Whether a message is a challenge: what a Client given no authkey receives from a Listener given one. */
export const isChallenge = (message: Uint8Array): boolean =>
  message.byteLength >= CHALLENGE.length && CHALLENGE.equals(message.subarray(0, CHALLENGE.length))

/** The listener's side: challenge, then answer. */
export const authenticateClient = <E>(channel: FramedChannel<E>, authkey: Uint8Array) =>
  Effect.zipRight(deliverChallenge(channel, authkey), answerChallenge(channel, authkey))

/** The client's side: answer, then challenge. */
export const authenticateListener = <E>(channel: FramedChannel<E>, authkey: Uint8Array) =>
  Effect.zipRight(answerChallenge(channel, authkey), deliverChallenge(channel, authkey))

/**
 * The resource protocol's handshake (ours: its peers are always this library).
 * CPython's handshake proves only that each side knows the key, so a process
 * that connects where a peer told it (a reference naming an owner's address)
 * could be made to authenticate for that peer: its answer relayed to another
 * server of the key, or its own challenge reflected back from a second
 * connection. Here every proof is bound to both nonces, to the role that makes
 * it, and to the name the server gives itself (the address its references
 * name), and the client refuses a server whose name is not the one it meant to
 * reach:
 *
 *   server → client  `#RESOURCE#` + server nonce (32 bytes) + the server's name
 *   client → server  client nonce (32 bytes) + HMAC(key, "client" ‖ nonces ‖ name)
 *   server → client  `#WELCOME#` + HMAC(key, "server" ‖ nonces ‖ name)   or `#FAILURE#`
 *
 * A relayed answer names another server; a reflected one has the wrong role.
 */
const RESOURCE_CHALLENGE = Buffer.from("#RESOURCE#")
const NONCE_LENGTH = 32
const SHA256_LENGTH = 32

const resourceProof = (authkey: Uint8Array, role: "client" | "server", server: Buffer, client: Buffer, name: Buffer) =>
  createHmac("sha256", authkey).update(`emp-resource-${role}\0`).update(server).update(client).update(name).digest()

/** The server's side: `name` is what its references call it. */
export const acceptResourceClient = <E>(
  channel: FramedChannel<E>,
  authkey: Uint8Array,
  name: string
): Effect.Effect<void, AuthenticationError | E> =>
  Effect.gen(function*() {
    const serverNonce = randomBytes(NONCE_LENGTH)
    const nameBytes = Buffer.from(name)
    yield* channel.sendBytes(Buffer.concat([RESOURCE_CHALLENGE, serverNonce, nameBytes]))
    const answer = Buffer.from(yield* channel.recvBytes(MAX_HANDSHAKE_MESSAGE))
    const clientNonce = answer.subarray(0, NONCE_LENGTH)
    const expected = resourceProof(authkey, "client", serverNonce, clientNonce, nameBytes)
    if (answer.length !== NONCE_LENGTH + SHA256_LENGTH || !timingSafeEqual(expected, answer.subarray(NONCE_LENGTH))) {
      yield* channel.sendBytes(FAILURE)
      return yield* fail(`digest received was wrong: ${DIFFERENT_KEYS}`)
    }
    yield* channel.sendBytes(Buffer.concat([WELCOME, resourceProof(authkey, "server", serverNonce, clientNonce, nameBytes)]))
  })

/**
 * The client's side. `refuse` says why a server of that name is not the one
 * meant (undefined: it is); the server's name is the result.
 */
export const authenticateResourceServer = <E>(
  channel: FramedChannel<E>,
  authkey: Uint8Array,
  refuse: (name: string) => string | undefined
): Effect.Effect<string, AuthenticationError | E> =>
  Effect.gen(function*() {
    const challenge = Buffer.from(yield* channel.recvBytes(MAX_HANDSHAKE_MESSAGE))
    if (!challenge.subarray(0, RESOURCE_CHALLENGE.length).equals(RESOURCE_CHALLENGE) ||
      challenge.length < RESOURCE_CHALLENGE.length + NONCE_LENGTH) {
      return yield* fail("protocol error: the peer is not a resource server of this library (no resource challenge)")
    }
    const serverNonce = challenge.subarray(RESOURCE_CHALLENGE.length, RESOURCE_CHALLENGE.length + NONCE_LENGTH)
    const nameBytes = challenge.subarray(RESOURCE_CHALLENGE.length + NONCE_LENGTH)
    const name = nameBytes.toString()
    const refused = refuse(name)
    if (refused !== undefined) return yield* fail(refused)
    const clientNonce = randomBytes(NONCE_LENGTH)
    yield* channel.sendBytes(Buffer.concat([clientNonce, resourceProof(authkey, "client", serverNonce, clientNonce, nameBytes)]))
    const verdict = Buffer.from(yield* channel.recvBytes(MAX_HANDSHAKE_MESSAGE))
    if (!verdict.subarray(0, WELCOME.length).equals(WELCOME)) return yield* fail(`digest sent was rejected: ${DIFFERENT_KEYS}`)
    const proof = verdict.subarray(WELCOME.length)
    const expected = resourceProof(authkey, "server", serverNonce, clientNonce, nameBytes)
    if (proof.length !== expected.length || !timingSafeEqual(proof, expected)) {
      return yield* fail("the server did not prove it knows the authkey: it is not the owner it claims to be")
    }
    return name
  })
