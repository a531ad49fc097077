import { AppError } from '../security/app-error'
import type { City, CitySearchRequest, CitySearchResponse } from './api-contract'

/** A city as the list below writes it: a `City` whose pinyin keeps its syllables apart. */
export interface ListedCity extends Omit<City, 'pinyin'> {
  /**
   * Pinyin without tones, lowercase, one syllable per Chinese character, separated by spaces
   * ('hang zhou'): the syllable boundaries give the initials people search by ('hz').
   */
  syllables: string
}

/**
 * The embedded city list as written: Chinese cities first, then some world cities.
 * Coordinates are public city centres rounded to two decimals (about 1 km).
 */
export const LISTED_CITIES: readonly ListedCity[] = [
  {
    id: 'beijing',
    name: '北京',
    syllables: 'bei jing',
    province: '北京',
    country: 'CN',
    lat: 39.9,
    lon: 116.41,
  },
  {
    id: 'shanghai',
    name: '上海',
    syllables: 'shang hai',
    province: '上海',
    country: 'CN',
    lat: 31.23,
    lon: 121.47,
  },
  {
    id: 'guangzhou',
    name: '广州',
    syllables: 'guang zhou',
    province: '广东',
    country: 'CN',
    lat: 23.13,
    lon: 113.26,
  },
  {
    id: 'shenzhen',
    name: '深圳',
    syllables: 'shen zhen',
    province: '广东',
    country: 'CN',
    lat: 22.54,
    lon: 114.06,
  },
  {
    id: 'hangzhou',
    name: '杭州',
    syllables: 'hang zhou',
    province: '浙江',
    country: 'CN',
    lat: 30.27,
    lon: 120.16,
  },
  {
    id: 'nanjing',
    name: '南京',
    syllables: 'nan jing',
    province: '江苏',
    country: 'CN',
    lat: 32.06,
    lon: 118.8,
  },
  {
    id: 'suzhou',
    name: '苏州',
    syllables: 'su zhou',
    province: '江苏',
    country: 'CN',
    lat: 31.3,
    lon: 120.59,
  },
  {
    id: 'chengdu',
    name: '成都',
    syllables: 'cheng du',
    province: '四川',
    country: 'CN',
    lat: 30.57,
    lon: 104.07,
  },
  {
    id: 'chongqing',
    name: '重庆',
    syllables: 'chong qing',
    province: '重庆',
    country: 'CN',
    lat: 29.56,
    lon: 106.55,
  },
  {
    id: 'wuhan',
    name: '武汉',
    syllables: 'wu han',
    province: '湖北',
    country: 'CN',
    lat: 30.59,
    lon: 114.31,
  },
  {
    id: 'xian',
    name: '西安',
    syllables: 'xi an',
    province: '陕西',
    country: 'CN',
    lat: 34.34,
    lon: 108.94,
  },
  {
    id: 'tianjin',
    name: '天津',
    syllables: 'tian jin',
    province: '天津',
    country: 'CN',
    lat: 39.08,
    lon: 117.2,
  },
  {
    id: 'changsha',
    name: '长沙',
    syllables: 'chang sha',
    province: '湖南',
    country: 'CN',
    lat: 28.23,
    lon: 112.94,
  },
  {
    id: 'zhengzhou',
    name: '郑州',
    syllables: 'zheng zhou',
    province: '河南',
    country: 'CN',
    lat: 34.75,
    lon: 113.63,
  },
  {
    id: 'qingdao',
    name: '青岛',
    syllables: 'qing dao',
    province: '山东',
    country: 'CN',
    lat: 36.07,
    lon: 120.38,
  },
  {
    id: 'jinan',
    name: '济南',
    syllables: 'ji nan',
    province: '山东',
    country: 'CN',
    lat: 36.65,
    lon: 117.12,
  },
  {
    id: 'xiamen',
    name: '厦门',
    syllables: 'xia men',
    province: '福建',
    country: 'CN',
    lat: 24.48,
    lon: 118.09,
  },
  {
    id: 'fuzhou',
    name: '福州',
    syllables: 'fu zhou',
    province: '福建',
    country: 'CN',
    lat: 26.07,
    lon: 119.3,
  },
  {
    id: 'kunming',
    name: '昆明',
    syllables: 'kun ming',
    province: '云南',
    country: 'CN',
    lat: 25.04,
    lon: 102.71,
  },
  {
    id: 'guiyang',
    name: '贵阳',
    syllables: 'gui yang',
    province: '贵州',
    country: 'CN',
    lat: 26.65,
    lon: 106.63,
  },
  {
    id: 'nanning',
    name: '南宁',
    syllables: 'nan ning',
    province: '广西',
    country: 'CN',
    lat: 22.82,
    lon: 108.37,
  },
  {
    id: 'haikou',
    name: '海口',
    syllables: 'hai kou',
    province: '海南',
    country: 'CN',
    lat: 20.04,
    lon: 110.2,
  },
  {
    id: 'sanya',
    name: '三亚',
    syllables: 'san ya',
    province: '海南',
    country: 'CN',
    lat: 18.25,
    lon: 109.51,
  },
  {
    id: 'shenyang',
    name: '沈阳',
    syllables: 'shen yang',
    province: '辽宁',
    country: 'CN',
    lat: 41.81,
    lon: 123.43,
  },
  {
    id: 'dalian',
    name: '大连',
    syllables: 'da lian',
    province: '辽宁',
    country: 'CN',
    lat: 38.91,
    lon: 121.61,
  },
  {
    id: 'changchun',
    name: '长春',
    syllables: 'chang chun',
    province: '吉林',
    country: 'CN',
    lat: 43.82,
    lon: 125.32,
  },
  {
    id: 'harbin',
    name: '哈尔滨',
    syllables: 'ha er bin',
    province: '黑龙江',
    country: 'CN',
    lat: 45.8,
    lon: 126.53,
  },
  {
    id: 'hohhot',
    name: '呼和浩特',
    syllables: 'hu he hao te',
    province: '内蒙古',
    country: 'CN',
    lat: 40.84,
    lon: 111.75,
  },
  {
    id: 'taiyuan',
    name: '太原',
    syllables: 'tai yuan',
    province: '山西',
    country: 'CN',
    lat: 37.87,
    lon: 112.55,
  },
  {
    id: 'shijiazhuang',
    name: '石家庄',
    syllables: 'shi jia zhuang',
    province: '河北',
    country: 'CN',
    lat: 38.04,
    lon: 114.51,
  },
  {
    id: 'hefei',
    name: '合肥',
    syllables: 'he fei',
    province: '安徽',
    country: 'CN',
    lat: 31.82,
    lon: 117.23,
  },
  {
    id: 'nanchang',
    name: '南昌',
    syllables: 'nan chang',
    province: '江西',
    country: 'CN',
    lat: 28.68,
    lon: 115.86,
  },
  {
    id: 'lanzhou',
    name: '兰州',
    syllables: 'lan zhou',
    province: '甘肃',
    country: 'CN',
    lat: 36.06,
    lon: 103.83,
  },
  {
    id: 'xining',
    name: '西宁',
    syllables: 'xi ning',
    province: '青海',
    country: 'CN',
    lat: 36.62,
    lon: 101.78,
  },
  {
    id: 'yinchuan',
    name: '银川',
    syllables: 'yin chuan',
    province: '宁夏',
    country: 'CN',
    lat: 38.49,
    lon: 106.23,
  },
  {
    id: 'urumqi',
    name: '乌鲁木齐',
    syllables: 'wu lu mu qi',
    province: '新疆',
    country: 'CN',
    lat: 43.83,
    lon: 87.62,
  },
  {
    id: 'lhasa',
    name: '拉萨',
    syllables: 'la sa',
    province: '西藏',
    country: 'CN',
    lat: 29.65,
    lon: 91.14,
  },
  {
    id: 'hongkong',
    name: '香港',
    syllables: 'xiang gang',
    province: '香港',
    country: 'HK',
    lat: 22.32,
    lon: 114.17,
  },
  {
    id: 'macau',
    name: '澳门',
    syllables: 'ao men',
    province: '澳门',
    country: 'MO',
    lat: 22.2,
    lon: 113.54,
  },
  {
    id: 'taipei',
    name: '台北',
    syllables: 'tai bei',
    province: '台湾',
    country: 'TW',
    lat: 25.03,
    lon: 121.57,
  },
  {
    id: 'tokyo',
    name: '东京',
    syllables: 'dong jing',
    province: '日本',
    country: 'JP',
    lat: 35.68,
    lon: 139.69,
  },
  {
    id: 'seoul',
    name: '首尔',
    syllables: 'shou er',
    province: '韩国',
    country: 'KR',
    lat: 37.57,
    lon: 126.98,
  },
  {
    id: 'singapore',
    name: '新加坡',
    syllables: 'xin jia po',
    province: '新加坡',
    country: 'SG',
    lat: 1.35,
    lon: 103.82,
  },
  {
    id: 'bangkok',
    name: '曼谷',
    syllables: 'man gu',
    province: '泰国',
    country: 'TH',
    lat: 13.76,
    lon: 100.5,
  },
  {
    id: 'sydney',
    name: '悉尼',
    syllables: 'xi ni',
    province: '澳大利亚',
    country: 'AU',
    lat: -33.87,
    lon: 151.21,
  },
  {
    id: 'london',
    name: '伦敦',
    syllables: 'lun dun',
    province: '英国',
    country: 'GB',
    lat: 51.51,
    lon: -0.13,
  },
  {
    id: 'paris',
    name: '巴黎',
    syllables: 'ba li',
    province: '法国',
    country: 'FR',
    lat: 48.86,
    lon: 2.35,
  },
  {
    id: 'berlin',
    name: '柏林',
    syllables: 'bo lin',
    province: '德国',
    country: 'DE',
    lat: 52.52,
    lon: 13.4,
  },
  {
    id: 'new-york',
    name: '纽约',
    syllables: 'niu yue',
    province: '美国',
    country: 'US',
    lat: 40.71,
    lon: -74.01,
  },
  {
    id: 'san-francisco',
    name: '旧金山',
    syllables: 'jiu jin shan',
    province: '美国',
    country: 'US',
    lat: 37.77,
    lon: -122.42,
  },
]

/** The city list as the API contract has it: `pinyin` run together ('hangzhou'). */
export const CITIES: readonly City[] = LISTED_CITIES.map(({ id, name, syllables, ...rest }) => ({
  id,
  name,
  pinyin: syllables.replace(/ /g, ''),
  ...rest,
}))

/** The listed city with exactly this id (case-sensitive), or undefined. */
export function findCity(id: string): City | undefined {
  return CITIES.find((city) => city.id === id)
}

interface SearchEntry {
  city: City
  /** First letter of each syllable: 'hz' for 杭州, 'sh' for 上海 (zh, ch, sh count as z, c, s). */
  initials: string
}

const SEARCH_ENTRIES: readonly SearchEntry[] = LISTED_CITIES.map(({ syllables }, i) => ({
  city: CITIES[i],
  initials: syllables
    .split(' ')
    .map((syllable) => syllable[0])
    .join(''),
}))

/** The ways a query can match a city, best first: a city ranks by the first one it meets. */
const MATCH_RULES: ReadonlyArray<(entry: SearchEntry, q: string) => boolean> = [
  ({ initials }, q) => initials === q, // 'hz' -> 杭州
  ({ city }, q) => city.pinyin.startsWith(q), // 'hang' -> 杭州; 'sh' -> 深圳 after 上海
  ({ initials }, q) => initials.startsWith(q), // 'sj' -> 石家庄
  ({ city }, q) => city.name.includes(q), // '西' -> 西安
  ({ city }, q) => city.province.includes(q), // '广东' -> 广州
]

/**
 * Search by pinyin initials, pinyin, Chinese name or province, best match first:
 * 1. the initials exactly ('hz' -> 杭州, 'sh' -> 上海);
 * 2. the start of the full pinyin ('hang' -> 杭州; 'sh' -> 深圳, 沈阳 ...);
 * 3. the start of the initials ('sj' -> 石家庄);
 * 4. part of the Chinese name ('西' -> 西安);
 * 5. part of the province ('广东' -> 广州).
 * Cities of the same rank keep the list order (Chinese cities first). Case and whitespace do not
 * matter. A query that is empty once trimmed returns the head of the list (nothing to match: the
 * user browses). Text that matches nothing (symbols, emoji, text longer than any name) and a
 * value that is not a string return no city. Never throws.
 */
export function searchCities(query: string, limit = 20): City[] {
  if (typeof query !== 'string') return []
  const q = query.toLowerCase().replace(/\s+/g, '')
  if (!q) return CITIES.slice(0, limit)
  return SEARCH_ENTRIES.map((entry, index) => ({
    city: entry.city,
    index,
    rank: MATCH_RULES.findIndex((matches) => matches(entry, q)),
  }))
    .filter(({ rank }) => rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .slice(0, limit)
    .map(({ city }) => city)
}

/**
 * A provider's `searchCities`, answered on the device (what the user types never leaves it).
 * Throws AppError ERR_INVALID_INPUT when `q` is not a string or `limit` is not 1..100.
 */
export function searchCitiesOnDevice(request: CitySearchRequest): CitySearchResponse {
  if (!request || typeof request.q !== 'string') {
    throw new AppError('ERR_INVALID_INPUT', 'q must be a string')
  }
  const limit = request.limit ?? 20
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new AppError('ERR_INVALID_INPUT', 'limit must be an integer from 1 to 100')
  }
  return { cities: searchCities(request.q, limit) }
}

/** The listed city nearest to the given coordinates (great-circle distance). */
export function nearestCity(lat: number, lon: number): City {
  let best = CITIES[0]
  let bestDistance = Infinity
  for (const city of CITIES) {
    const distance = greatCircleKm(lat, lon, city.lat, city.lon)
    if (distance < bestDistance) {
      best = city
      bestDistance = distance
    }
  }
  return best
}

function greatCircleKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180
  const dLat = (lat2 - lat1) * rad
  const dLon = (lon2 - lon1) * rad
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(a)))
}
