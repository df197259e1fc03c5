// The Event Grid system topic of this Azure subscription (ARM resource events). There can be only one per
// subscription, so main.bicep deploys this module only when no existing topic is named. Subscription-level
// system topics live in location 'global'. The system-assigned identity writes dead-lettered events
// (eventSubscription.bicep grants it Storage Blob Data Contributor on the dead-letter container).

@description('System topic name.')
param name string

@description('Tags applied to the topic.')
param tags object = {}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: name
  location: 'global'
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

output name string = systemTopic.name
output principalId string = systemTopic.identity.principalId
