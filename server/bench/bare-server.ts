import Fastify from 'fastify'
import { readFileSync } from 'node:fs'
import { findCity } from '../../src/services/city-list'
import { forecastFor } from '../../src/services/local-weather-provider'

/**
 * The baseline for `npm run bench`: the same weather answer over the same HTTPS certificate,
 * with nothing else: no security headers, rate limit, schema, session or signature.
 */
async function main(): Promise<void> {
  const app = Fastify({
    https: {
      cert: readFileSync(process.env.TLS_CERT_FILE!, 'utf8'),
      key: readFileSync(process.env.TLS_KEY_FILE!, 'utf8'),
    },
  })
  app.get('/v1/weather', async (request) => {
    const city = findCity(String((request.query as { cityId?: string }).cityId))
    return { ...forecastFor(city!, new Date()), source: 'server' }
  })
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
  console.log('Bare server listening')
}

void main()
