/**
 * Why a request never got an answer, in words a user can act on: a plain-HTTP URL (the server speaks
 * HTTPS only), a certificate this machine does not trust yet (pin it), or a server that is not there.
 */
import {RtccError} from '../errors.js'

const UNTRUSTED = /SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED/
const WRONG_NAME = /ALTNAME|HOSTNAME_MISMATCH/

export function connectionError(baseUrl: string, error: unknown): RtccError {
  const code = (error as {code?: string})?.code ?? ''
  const url = new URL(baseUrl)
  if (url.protocol === 'http:')
    return new RtccError(`${baseUrl} was reached over plain HTTP, but the rtcc server speaks HTTPS only`, {code: 'https_only', where: baseUrl, hint: `Use https://${url.host}`})
  if (UNTRUSTED.test(code) || WRONG_NAME.test(code))
    return new RtccError(
      WRONG_NAME.test(code)
        ? `the certificate of ${baseUrl} does not name this host (${code})`
        : `the certificate of ${baseUrl} is not trusted by this machine (${code}): rtcc servers use a self-signed certificate you pin`,
      {
        code: 'certificate_untrusted',
        where: baseUrl,
        hint: `Pin it with \`rtcc login ${baseUrl}\` (compare the fingerprint with the one \`rtcc server start\` printed), or pass --fingerprint / set RTCC_FINGERPRINT.`,
      },
    )
  return new RtccError(`cannot reach the rtcc server at ${baseUrl}: ${code || (error as Error).message}`, {
    code: 'unreachable',
    where: baseUrl,
    hint: 'Is the server running (`rtcc server start`)? Check the URL with `rtcc doctor`.',
  })
}
