import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import selfsigned from 'selfsigned'
import type { Settings } from './settings'

/**
 * What the server offers: TLS 1.2 and 1.3 only, and on TLS 1.2 only key exchanges with forward
 * secrecy (ECDHE) and AEAD ciphers (AES-GCM, ChaCha20-Poly1305): no CBC suite (LUCKY13 and
 * friends), no RSA key exchange. WeChat requires TLS 1.2+ and connects with ECDHE-AES-GCM; every
 * browser of the last decade has these. TLS 1.3's suites are all AEAD and are listed too (Node
 * takes both kinds in one string). Test: server/test/tls-suites.test.ts.
 */
export const TLS_OPTIONS = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
} as const

export interface TlsMaterial {
  cert: string
  key: string
  /** True when the certificate is the development one made here. */
  selfSigned: boolean
}

/**
 * The certificate the server listens with: the configured files in production, otherwise a
 * self-signed certificate for localhost/127.0.0.1, made once in the data folder. Browsers and
 * WeChat DevTools warn about it; a real device refuses it, as it should.
 */
export async function loadTls(settings: Settings): Promise<TlsMaterial> {
  if (settings.tls) {
    return {
      cert: readFileSync(settings.tls.certFile, 'utf8'),
      key: readFileSync(settings.tls.keyFile, 'utf8'),
      selfSigned: false,
    }
  }
  const dir = join(settings.dataDir, 'tls')
  const certFile = join(dir, 'dev-cert.pem')
  const keyFile = join(dir, 'dev-key.pem')
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
      // EC P-256: fast to make and to use; valid for the default 365 days.
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    })
    writeFileSync(keyFile, pems.private, { mode: 0o600 })
    writeFileSync(certFile, pems.cert, { mode: 0o644 })
  }
  return {
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    selfSigned: true,
  }
}
