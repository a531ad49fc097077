// Build-time stand-in for crypto-js's `evpkdf` and `md5` modules (see config/index.ts).
//
// crypto-js/aes and crypto-js/cipher-core load them only for "passphrase mode"
// (`AES.encrypt(text, 'a passphrase')`), which derives keys with OpenSSL's EvpKDF over MD5: one
// iteration, no real key stretching. This app never uses it (keys are random WordArrays: see
// src/security/secure-storage/envelope.ts), so the builds leave it out: about 4.7 KB less in the
// main package, and the weak mode cannot be used by mistake. Calling it throws this error.
const CryptoJS = require('crypto-js/core')

function refuse() {
  throw new Error(
    'crypto-js passphrase mode is not in this build: encrypt with a random WordArray key instead',
  )
}

CryptoJS.algo.EvpKDF = { create: refuse }
CryptoJS.EvpKDF = refuse
CryptoJS.MD5 = refuse
module.exports = refuse
