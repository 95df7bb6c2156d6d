// Test classes share process-wide ActivitySources and Meters (Microsoft.AspNetCore, System.Net.Http, System.Runtime):
// run them one after another so that one class's requests never land in another's recorded telemetry.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
