import type { PropsWithChildren } from 'react'
import './app.css'

// Taro 4.2.1's template app component: it renders the pages it is given.
function App({ children }: PropsWithChildren) {
  return children
}

export default App
