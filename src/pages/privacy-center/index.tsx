import PlaceholderPage from '../../components/placeholder-page'

export default function PrivacyCenterPage() {
  return (
    <PlaceholderPage
      practice='POLICY'
      title='隐私中心'
      description='你将可以在这里查看、导出和删除你的数据，或随时撤回同意。'
    />
  )
}
