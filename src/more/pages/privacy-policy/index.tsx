import PlaceholderPage from '../../../components/placeholder-page'

export default function PrivacyPolicyPage() {
  return (
    <PlaceholderPage
      practice='POLICY'
      title='隐私政策'
      description='这里将列出我们收集的每一项信息：用途、存放位置、保存期限、与谁共享，以及你的权利。'
    />
  )
}
