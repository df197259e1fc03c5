// Service Bus namespace + the queue the in-cluster watchers send cluster watch events to. SAS keys are
// disabled: watchers send with workload identity (Data Sender), the function app receives with its managed
// identity (Data Receiver) and schedules its delayed retries on the same queue (Data Sender); every role is
// assigned on the queue only (rbac.bicep).

@description('Azure region of the namespace.')
param location string

@description('Tags applied to every resource.')
param tags object = {}

@description('Service Bus namespace name (6-50 characters, globally unique).')
@minLength(6)
@maxLength(50)
param namespaceName string

@description('Queue the watchers send to and onClusterWatchEvent reads.')
param queueName string

@description('Namespace tier. Basic has no base charge and supports queues, dead-lettering and Entra ID auth; Standard adds topics, sessions and duplicate detection, which this service does not use.')
@allowed([
  'Basic'
  'Standard'
])
param skuName string = 'Basic'

resource serviceBusNamespace 'Microsoft.ServiceBus/namespaces@2021-11-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuName
  }
  properties: {
    disableLocalAuth: true // no SAS keys: Entra ID only
    minimumTlsVersion: '1.2'
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2021-11-01' = {
  parent: serviceBusNamespace
  name: queueName
  properties: {
    // Messages are hints ("look at this binding again"); onClusterWatchEvent re-reads the cluster, so a
    // redelivery is always safe. Service Bus redelivers an abandoned message at once (no backoff), so these
    // attempts only help against very short blips (a worker restart, a token refresh). Outages of minutes
    // (cluster unreachable, ARM throttling) are not left to them: the function completes the message and
    // schedules a copy for later, with backoff over a 30-minute window (docs/watcher.md, "Transient failures").
    // A message is abandoned only when that copy cannot be scheduled, or when the window is spent; after 5
    // such deliveries it goes to the dead-letter queue (where an operator can read it) and the hourly
    // scheduledResync repairs whatever the lost hint was about. The platform default is 10.
    maxDeliveryCount: 5
    // One reconcile of one binding (re-read, one listKeys, a few Secret writes) takes seconds; the Functions
    // Service Bus extension renews the lock while the invocation runs (up to maxAutoLockRenewalDuration).
    lockDuration: 'PT1M'
    // A hint older than a day is superseded by at least 24 scheduled resyncs. Expired messages are dead-lettered
    // rather than dropped, so a long consumer outage leaves evidence in <queue>/$deadletterqueue.
    defaultMessageTimeToLive: 'P1D'
    deadLetteringOnMessageExpiration: true
    maxSizeInMegabytes: 1024
  }
}

output namespaceName string = serviceBusNamespace.name
output queueName string = queue.name
@description('Host name of the namespace, e.g. sb-x.servicebus.windows.net (derived from the endpoint so it holds in every cloud).')
output fullyQualifiedNamespace string = split(split(replace(serviceBusNamespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0], '/')[0]
