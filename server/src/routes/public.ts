import type { FastifyPluginAsync } from 'fastify'
import {
  API_ROUTES,
  type CitySearchResponse,
  type StatusResponse,
  type WeatherResponse,
} from '../../../src/services/api-contract'
import { findCity, nearestCity, searchCities } from '../../../src/services/city-list'
import { ApiError } from '../api-error'
import { acceptSession } from '../auth'
import type { ServerContext } from '../context'

/**
 * Routes that need no session: the kill-switch status, city search and weather. Weather and
 * cities share their data and logic with the app (src/services), so both sides agree.
 * Weather also accepts a signed request (the app signs everything once signed in): a request
 * that carries a session is verified fully, never downgraded to anonymous.
 */
export const publicRoutes: FastifyPluginAsync<{ context: ServerContext }> = async (
  app,
  { context },
) => {
  app.get(API_ROUTES.status, async (): Promise<StatusResponse> => {
    const incident = context.incidents.current()
    if (!incident) return { maintenance: false }
    return {
      maintenance: true,
      message: incident.message,
      incidentId: incident.id,
      since: incident.startedAt,
      retryAfterSeconds: incident.retryAfterSeconds,
      ...(incident.expectedEndAt && { expectedEndAt: incident.expectedEndAt }),
    }
  })

  app.get<{ Querystring: { q?: string; limit?: string } }>(
    API_ROUTES.cities,
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 40 },
            // Query values arrive as text and are not coerced: 1 to 100, digits only.
            limit: {
              type: 'string',
              pattern: '^(100|[1-9][0-9]?)$',
              description: 'must be a whole number from 1 to 100',
            },
          },
        },
      },
    },
    async (request): Promise<CitySearchResponse> => ({
      cities: searchCities(request.query.q ?? '', Number(request.query.limit ?? 20)),
    }),
  )

  app.get<{ Querystring: { cityId?: string; lat?: string; lon?: string } }>(
    API_ROUTES.weather,
    {
      preValidation: acceptSession(context),
      schema: {
        // Coordinates stay strings here so their precision can be checked as sent.
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            cityId: {
              type: 'string',
              minLength: 1,
              maxLength: 40,
              pattern: '^[a-z0-9-]+$',
              description: 'may contain only lower-case letters, digits and -',
            },
            lat: { type: 'string', maxLength: 20 },
            lon: { type: 'string', maxLength: 20 },
          },
          oneOf: [{ required: ['cityId'] }, { required: ['lat', 'lon'] }],
        },
      },
    },
    async (request): Promise<WeatherResponse> => {
      const { cityId, lat, lon } = request.query
      const city =
        cityId !== undefined
          ? findCity(cityId)
          : nearestCity(coordinate(lat, 90), coordinate(lon, 180))
      if (!city) throw new ApiError(404, 'ERR_CITY_NOT_FOUND', 'No city with that id.')
      return context.weather.forecast(city, context.now())
    },
  )
}

/**
 * A coordinate as sent: a decimal number within ±limit with at most two decimals (about 1 km).
 * More decimals are refused: the server does not accept more precision than weather needs.
 */
function coordinate(raw: string | undefined, limit: number): number {
  const text = raw ?? ''
  if (!/^-?\d{1,3}(\.\d+)?$/.test(text)) {
    throw new ApiError(400, 'ERR_VALIDATION', 'Coordinates must be decimal numbers.')
  }
  if (/\.\d{3,}$/.test(text)) {
    throw new ApiError(
      400,
      'ERR_COORDINATES_TOO_PRECISE',
      'Send coordinates with at most two decimals.',
    )
  }
  const value = Number(text)
  if (Math.abs(value) > limit)
    throw new ApiError(400, 'ERR_VALIDATION', 'Coordinates are out of range.')
  return value
}
