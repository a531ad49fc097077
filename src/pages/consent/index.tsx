import PlaceholderPage from '../../components/placeholder-page'

export default function ConsentPage() {
  return (
    <PlaceholderPage
      practice='CONSENT'
      title='隐私保护指引'
      description='首次使用前，我们会在这里说明安心天气如何处理你的信息，并请你选择是否同意。不同意也可以手动选择城市查看天气。'
    />
  )
}
