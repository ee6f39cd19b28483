/** Terminal QR code for otpauth URIs (qrcode-terminal draws with half blocks). */
export async function renderQr(text: string): Promise<string> {
  const qr = await import('qrcode-terminal')
  return new Promise((resolve) => qr.generate(text, {small: true}, resolve))
}
