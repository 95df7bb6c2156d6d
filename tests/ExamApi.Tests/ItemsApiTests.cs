using System.Net;
using System.Text.Json.Nodes;

namespace ExamApi.Tests;

/// <summary>The admin item endpoints: key, CRUD, paging, all-or-nothing import, validation, bank version bumps.</summary>
[Collection(ExamGraphCollection.Name)]
public sealed class ItemsApiTests(ExamGraphFixture fixture)
{
    private readonly AdminApi admin = new(new ExamClient(fixture.CreateClient()));

    public static TheoryData<string, string> AdminEndpoints => new()
    {
        { "GET", "/api/items" },
        { "GET", "/api/items/1" },
        { "POST", "/api/items" },
        { "POST", "/api/items/import" },
        { "PUT", "/api/items/1" },
        { "POST", "/api/items/1/retire" },
        { "GET", "/api/adaptive/active" },
        { "GET", "/api/debug/redis/stats" },
        { "POST", "/api/sessions/cleanup" },
    };

    [Theory]
    [MemberData(nameof(AdminEndpoints))]
    public async Task Admin_endpoints_answer_401_without_the_key_or_with_a_wrong_one(string method, string path)
    {
        foreach (var key in new[] { null, "wrong-key", ExamGraphFixture.AdminKey + "x", "" })
        {
            var content = method == "GET" ? null : new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            var response = await admin.Client.SendAsync(new HttpMethod(method), path, null, content, key);
            Assert.True(response.Status == HttpStatusCode.Unauthorized, $"{method} {path} with key '{key}': {(int)response.Status} {response.Body}");
            Assert.Equal("Admin key required", response.Json?["title"]?.GetValue<string>());
        }
    }

    [Fact]
    public async Task Create_get_update_and_retire_an_item_bumping_the_bank_version_each_time()
    {
        var subject = AdminApi.NewSubject("crud");
        var created = await admin.PostAsync("/api/items", AdminApi.Item(subject));
        Assert.True(created.Status == HttpStatusCode.Created, created.Body);
        var id = created.Json!["id"]!.GetValue<long>();
        Assert.Equal($"/api/items/{id}", created.Message.Headers.Location?.OriginalString);
        Assert.Equal("active", created.Json["status"]!.GetValue<string>());
        Assert.Equal(2, created.Json["answerKey"]!.GetValue<int>());
        Assert.Equal(1L, await VersionAsync(subject));

        var fetched = await admin.GetAsync($"/api/items/{id}");
        Assert.Equal(HttpStatusCode.OK, fetched.Status);
        Assert.Equal($"Question 0 of {subject}?", fetched.Json!["content"]!.GetValue<string>());

        var change = AdminApi.Item(subject, topic: "t2");
        change["content"] = "Reworded question?";
        change["b"] = 1.5;
        var updated = await admin.PutAsync($"/api/items/{id}", change);
        Assert.True(updated.Status == HttpStatusCode.OK, updated.Body);
        Assert.Equal("Reworded question?", updated.Json!["content"]!.GetValue<string>());
        Assert.Equal(1.5, updated.Json["b"]!.GetValue<double>());
        Assert.Equal("t2", updated.Json["topic"]!.GetValue<string>());
        Assert.Equal(2L, await VersionAsync(subject));

        var retired = await admin.PostAsync($"/api/items/{id}/retire", new { });
        Assert.True(retired.Status == HttpStatusCode.OK, retired.Body);
        Assert.Equal("retired", retired.Json!["status"]!.GetValue<string>());
        Assert.Equal(3L, await VersionAsync(subject));
        Assert.Equal(1L, await fixture.ScalarAsync<long>("SELECT count(*) FROM items WHERE id = $1 AND status = 'retired'", id));

        var moved = AdminApi.Item(subject + "x");
        Assert.Equal("subject", (await admin.PutAsync($"/api/items/{id}", moved)).Field);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/items/999999999")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsync("/api/items/999999999", AdminApi.Item(subject))).Status);
    }

    [Fact]
    public async Task List_filters_by_subject_topic_and_status_and_pages_with_a_total()
    {
        var subject = AdminApi.NewSubject("list");
        var items = await admin.ImportAsync(Enumerable.Range(0, 7).Select(n => AdminApi.Item(subject, topic: n < 4 ? "alpha" : "beta", n: n)));
        await admin.PostAsync($"/api/items/{items[0]!["id"]}/retire", new { });

        var page2 = await admin.GetAsync($"/api/items?subject={subject}&page=2&pageSize=3");
        Assert.Equal(HttpStatusCode.OK, page2.Status);
        Assert.Equal(7, page2.Json!["total"]!.GetValue<int>());
        Assert.Equal(2, page2.Json["page"]!.GetValue<int>());
        var ids = page2.Json["items"]!.AsArray().Select(i => i!["id"]!.GetValue<long>()).ToArray();
        Assert.Equal(items.Skip(3).Take(3).Select(i => i!["id"]!.GetValue<long>()), ids);

        var beta = await admin.GetAsync($"/api/items?subject={subject}&topic=beta");
        Assert.Equal(3, beta.Json!["total"]!.GetValue<int>());
        Assert.All(beta.Json["items"]!.AsArray(), i => Assert.Equal("beta", i!["topic"]!.GetValue<string>()));

        var retired = await admin.GetAsync($"/api/items?subject={subject}&status=retired");
        Assert.Equal(1, retired.Json!["total"]!.GetValue<int>());
        var active = await admin.GetAsync($"/api/items?subject={subject}&status=active");
        Assert.Equal(6, active.Json!["total"]!.GetValue<int>());

        Assert.Equal("pageSize", (await admin.GetAsync("/api/items?pageSize=501")).Field);
        Assert.Equal("page", (await admin.GetAsync("/api/items?page=0")).Field);
        Assert.Equal("status", (await admin.GetAsync("/api/items?status=deleted")).Field);
    }

    [Fact]
    public async Task A_bulk_import_with_one_bad_element_imports_nothing_and_names_index_and_field()
    {
        var subject = AdminApi.NewSubject("atomic");
        var items = Enumerable.Range(0, 5).Select(n => AdminApi.Item(subject, n: n)).ToArray();
        items[3]["b"] = 42;
        var response = await admin.PostAsync("/api/items/import", items);

        Assert.True(response.Status == HttpStatusCode.BadRequest, response.Body);
        Assert.Equal("[3].b", response.Field);
        var errors = response.Json!["errors"]!.AsArray();
        Assert.Single(errors);
        Assert.Equal(3, errors[0]!["index"]!.GetValue<int>());
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM items WHERE subject = $1", subject));
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM item_bank_versions WHERE subject = $1", subject));

        // Every bad element is listed, each by index and field.
        items[3]["b"] = 0;
        items[1]["options"] = new JsonArray("only one");
        items[4].Remove("a");
        var several = await admin.PostAsync("/api/items/import", items);
        Assert.Equal(["[1].options", "[4].a"], several.Json!["errors"]!.AsArray().Select(e => e!["field"]!.GetValue<string>()));

        // A wrong type inside the array is named by its JSON path.
        var wrongType = await admin.PostRawAsync("/api/items/import", $$"""[{"subject":"{{subject}}","a":"high"}]""");
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.Status);
        Assert.Equal("[0].a", wrongType.Field);
        Assert.Equal("items", (await admin.PostRawAsync("/api/items/import", "[]")).Field);
    }

    public static TheoryData<string, JsonNode?, string> BadItems => new()
    {
        { "subject", null, "subject" },
        { "subject", "", "subject" },
        { "subject", new string('s', 101), "subject" },
        { "topic", " padded", "topic" },
        { "content", "", "content" },
        { "content", new string('q', 10_001), "content" },
        { "options", new JsonArray("one"), "options" },
        { "options", new JsonArray(Enumerable.Range(0, 11).Select(k => (JsonNode?)$"o{k}").ToArray()), "options" },
        { "options", new JsonArray("a", "", "c"), "options[1]" },
        { "answerKey", 4, "answerKey" },
        { "answerKey", -1, "answerKey" },
        { "answerKey", null, "answerKey" },
        { "a", 0, "a" },
        { "a", 10.5, "a" },
        { "a", "1.0", "a" },
        { "b", -10.01, "b" },
        { "b", null, "b" },
        { "c", 1, "c" },
        { "c", -0.1, "c" },
        { "d", 0.1, "d" },
        { "d", 1.01, "d" },
        { "status", "deleted", "status" },
        { "options", "abc", "options" },
    };

    [Theory]
    [MemberData(nameof(BadItems))]
    public async Task A_bad_item_gets_400_naming_the_field_and_writes_nothing(string field, JsonNode? value, string expectedField)
    {
        var subject = AdminApi.NewSubject("bad");
        var item = AdminApi.Item(subject);
        item[field] = value?.DeepClone();
        var response = await admin.PostRawAsync("/api/items", item.ToJsonString());

        Assert.True(response.Status == HttpStatusCode.BadRequest, response.Body);
        Assert.Equal(expectedField, response.Field);
        Assert.Equal("application/problem+json", response.Message.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0L, await fixture.ScalarAsync<long>("SELECT count(*) FROM items WHERE subject = $1", subject));
    }

    [Fact]
    public async Task Malformed_json_gets_400_and_a_non_json_body_415()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostRawAsync("/api/items", "{\"subject\": ")).Status);
        var text = await admin.Client.SendAsync(HttpMethod.Post, "/api/items", null, new StringContent("subject=x"), ExamGraphFixture.AdminKey);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.Status);
    }

    [Fact]
    public async Task Scoring_fields_of_an_answered_item_cannot_change()
    {
        var subject = AdminApi.NewSubject("answered");
        var items = await admin.ImportAsync(Enumerable.Range(0, 5).Select(n => AdminApi.Item(subject, n: n, b: n - 2)));
        var exam = await admin.Client.StartExamAsync(subject, maxItems: 3);
        var answered = await admin.Client.AnswerAsync(exam.SessionId, exam.FirstItemId, 2, exam.Token);
        Assert.Equal(HttpStatusCode.OK, answered.Status);

        var view = items.Single(i => i!["id"]!.GetValue<long>() == exam.FirstItemId)!.AsObject();
        var change = AdminApi.Item(subject, n: 9, b: 2.5);
        var refused = await admin.PutAsync($"/api/items/{exam.FirstItemId}", change);
        Assert.True(refused.Status == HttpStatusCode.Conflict, refused.Body);
        Assert.Equal("b", refused.Field);
        Assert.Equal(view["b"]!.GetValue<double>(), await fixture.ScalarAsync<double>("SELECT b FROM items WHERE id = $1", exam.FirstItemId));

        // Its wording may still be fixed.
        var reworded = AdminApi.Item(subject, n: 9, b: view["b"]!.GetValue<double>());
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync($"/api/items/{exam.FirstItemId}", reworded)).Status);
    }

    private Task<long> VersionAsync(string subject) =>
        fixture.ScalarAsync<long>("SELECT version FROM item_bank_versions WHERE subject = $1", subject);
}
