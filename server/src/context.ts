import type { Admin } from './admin'
import type { AuthDependencies } from './auth'
import type { Incidents } from './incidents'
import type { Monitor } from './monitor'
import type { MyData } from './my-data'
import type { Settings } from './settings'
import type { LoginExchange } from './wechat-login'
import type { ServerWeatherProvider } from './weather/providers'

/** Everything the routes use, made once in `buildApp` and handed to each route plugin. */
export interface ServerContext extends AuthDependencies {
  settings: Settings
  incidents: Incidents
  monitor: Monitor
  admin: Admin
  myData: MyData
  login: LoginExchange
  weather: ServerWeatherProvider
}
