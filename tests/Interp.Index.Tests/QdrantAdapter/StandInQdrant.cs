// A STAND-IN for a Qdrant server, not Qdrant: an in-memory gRPC CallInvoker that answers the calls Interp's adapter makes
// (collections: exists, create, info, delete, payload index; points: upsert, get, delete by ids or filter, query nearest,
// scroll, count) with the semantics Qdrant documents: cosine vectors normalised on upsert, named vectors optional per
// point, filters with must / should / must_not / min_should, match (keyword, integer, bool, any, except), range, has_id,
// is_empty, is_null, nested filters, array payloads matching when any element does, scroll ordered by id (numbers before
// UUIDs) from an inclusive offset. Anything else is Unimplemented. It can require an api-key header and inject faults.
using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Grpc.Core;
using Qdrant.Client.Grpc;

namespace Interp.Index.Tests.QdrantAdapter;

public sealed class StandInQdrant : CallInvoker
{
    private sealed class Collection
    {
        public required CreateCollection Config;
        public readonly SortedDictionary<string, PointStruct> Points = new(new IdOrder());
        public readonly Dictionary<string, PayloadSchemaType> Indexes = new();
    }

    private readonly Dictionary<string, Collection> _collections = new();
    private readonly object _gate = new();
    private readonly ConcurrentQueue<(string Method, StatusCode Code)> _faults = new();
    private ulong _operation;

    /// <summary>Every call received, as "qdrant.Service/Method", in order (faulted ones included).</summary>
    public ConcurrentQueue<string> Calls { get; } = new();
    /// <summary>The last request of each kind, for wire assertions.</summary>
    public ConcurrentDictionary<string, IMessage> LastRequest { get; } = new();
    /// <summary>When set, calls without this api-key header fail with Unauthenticated, as a server started with an API key does.</summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>The next <paramref name="times"/> calls of <paramref name="method"/> ("qdrant.Points/Query", or "*") fail with <paramref name="code"/>.</summary>
    public void Fail(string method, StatusCode code, int times = 1)
    {
        for (int i = 0; i < times; i++) _faults.Enqueue((method, code));
    }

    public int CountCalls(string method) => Calls.Count(c => c == method);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host,
        CallOptions options, TRequest request)
    {
        string name = $"{method.ServiceName}/{method.Name}";
        Calls.Enqueue(name);
        Task<TResponse> response;
        try
        {
            if (RequiredApiKey is not null && options.Headers?.FirstOrDefault(h => h.Key == "api-key")?.Value != RequiredApiKey)
                throw new RpcException(new Status(StatusCode.Unauthenticated, "Must provide an API key or an Authorization bearer token"));
            if (_faults.TryPeek(out var f) && (f.Method == "*" || f.Method == name) && _faults.TryDequeue(out f))
                throw new RpcException(new Status(f.Code, $"stand-in fault injected into {name}"));
            LastRequest[name] = (IMessage)request;
            IMessage reply;
            lock (_gate) reply = Handle((IMessage)request);
            response = Task.FromResult((TResponse)reply);
        }
        catch (RpcException e) { response = Task.FromException<TResponse>(e); }
        return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), () => response.IsFaulted
            ? ((RpcException)response.Exception!.InnerException!).Status : Status.DefaultSuccess, () => new Metadata(), () => { });
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw Unimplemented(method.FullName);
    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host,
        CallOptions options, TRequest request) => throw Unimplemented(method.FullName);
    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method,
        string? host, CallOptions options) => throw Unimplemented(method.FullName);
    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method,
        string? host, CallOptions options) => throw Unimplemented(method.FullName);

    private IMessage Handle(IMessage request) => request switch
    {
        CollectionExistsRequest r => new CollectionExistsResponse { Result = new CollectionExists { Exists = _collections.ContainsKey(r.CollectionName) } },
        CreateCollection r => Create(r),
        GetCollectionInfoRequest r => Info(r.CollectionName),
        DeleteCollection r => new CollectionOperationResponse { Result = _collections.Remove(r.CollectionName) },
        CreateFieldIndexCollection r => FieldIndex(r),
        UpsertPoints r => Upsert(r),
        DeletePoints r => Delete(r),
        GetPoints r => new GetResponse { Result = { r.Ids.Select(Key).Where(Get(r.CollectionName).Points.ContainsKey)
            .Select(k => Retrieved(Get(r.CollectionName).Points[k], r.WithPayload, r.WithVectors)) } },
        QueryPoints r => Query(r),
        ScrollPoints r => Scroll(r),
        CountPoints r => new CountResponse { Result = new CountResult { Count = (ulong)Get(r.CollectionName).Points.Values.Count(p => Passes(p, r.Filter)) } },
        _ => throw Unimplemented(request.Descriptor.FullName),
    };

    private CollectionOperationResponse Create(CreateCollection r)
    {
        if (_collections.ContainsKey(r.CollectionName)) throw Wrong($"Collection `{r.CollectionName}` already exists!");
        if (r.VectorsConfig?.ParamsMap is null) throw Unimplemented("stand-in: only named vectors (params_map)");
        foreach (var (n, p) in r.VectorsConfig.ParamsMap.Map)
            if (p.Size == 0 || p.Distance != Distance.Cosine) throw Unimplemented($"stand-in: vector '{n}' must be cosine with a size");
        _collections[r.CollectionName] = new Collection { Config = r.Clone() };
        return new CollectionOperationResponse { Result = true };
    }

    private GetCollectionInfoResponse Info(string name)
    {
        var c = Get(name);
        var info = new CollectionInfo
        {
            Status = CollectionStatus.Green, SegmentsCount = 1, PointsCount = (ulong)c.Points.Count,
            Config = new CollectionConfig { Params = new CollectionParams { ShardNumber = 1, VectorsConfig = c.Config.VectorsConfig.Clone() } },
        };
        foreach (var (k, v) in c.Config.Metadata) info.Config.Metadata[k] = v;
        foreach (var (k, t) in c.Indexes) info.PayloadSchema[k] = new PayloadSchemaInfo { DataType = t };
        return new GetCollectionInfoResponse { Result = info };
    }

    private PointsOperationResponse FieldIndex(CreateFieldIndexCollection r)
    {
        var c = Get(r.CollectionName);
        c.Indexes[r.FieldName] = r.FieldType switch
        {
            FieldType.Keyword => PayloadSchemaType.Keyword, FieldType.Integer => PayloadSchemaType.Integer, FieldType.Float => PayloadSchemaType.Float,
            FieldType.Bool => PayloadSchemaType.Bool, FieldType.Text => PayloadSchemaType.Text,
            _ => throw Unimplemented($"stand-in: field index type {r.FieldType}"),
        };
        return Done();
    }

    private PointsOperationResponse Upsert(UpsertPoints r)
    {
        var c = Get(r.CollectionName);
        var map = c.Config.VectorsConfig.ParamsMap.Map;
        var staged = new List<(string, PointStruct)>();
        foreach (var p in r.Points)   // validate the whole batch first: Qdrant applies a batch or rejects it
        {
            var stored = new PointStruct { Id = p.Id.Clone() };
            stored.Payload.Add(p.Payload);
            stored.Vectors = new Vectors { Vectors_ = new NamedVectors() };
            if (p.Vectors?.VectorsOptionsCase == Vectors.VectorsOptionsOneofCase.Vector) throw Wrong("Not existing vector name error: ");
            foreach (var (n, v) in p.Vectors?.Vectors_?.Vectors ?? new MapField<string, Vector>())
            {
                if (!map.TryGetValue(n, out var prm)) throw Wrong($"Not existing vector name error: {n}");
                var data = Dense(v);
                if ((ulong)data.Length != prm.Size) throw Wrong($"Vector dimension error: expected dim: {prm.Size}, got {data.Length}");
                stored.Vectors.Vectors_.Vectors[n] = new Vector { Dense = new DenseVector { Data = { Normalise(data) } } };
            }
            staged.Add((Key(p.Id), stored));
        }
        foreach (var (k, p) in staged) c.Points[k] = p;
        return Done();
    }

    private PointsOperationResponse Delete(DeletePoints r)
    {
        var c = Get(r.CollectionName);
        var keys = r.Points.PointsSelectorOneOfCase == PointsSelector.PointsSelectorOneOfOneofCase.Points
            ? r.Points.Points.Ids.Select(Key).ToList()
            : c.Points.Where(kv => Passes(kv.Value, r.Points.Filter)).Select(kv => kv.Key).ToList();
        foreach (var k in keys) c.Points.Remove(k);
        return Done();
    }

    private QueryResponse Query(QueryPoints r)
    {
        var c = Get(r.CollectionName);
        if (r.Query?.VariantCase != Qdrant.Client.Grpc.Query.VariantOneofCase.Nearest || r.Query.Nearest.VariantCase != VectorInput.VariantOneofCase.Dense)
            throw Unimplemented("stand-in: only a dense `nearest` query");
        if (r.Prefetch.Count > 0) throw Unimplemented("stand-in: prefetch");
        if (!r.HasUsing || !c.Config.VectorsConfig.ParamsMap.Map.TryGetValue(r.Using, out var prm)) throw Wrong($"Not existing vector name error: {r.Using}");
        var q = r.Query.Nearest.Dense.Data.ToArray();
        if ((ulong)q.Length != prm.Size) throw Wrong($"Vector dimension error: expected dim: {prm.Size}, got {q.Length}");
        var unit = Normalise(q);
        var scored = c.Points.Values
            .Where(p => p.Vectors.Vectors_.Vectors.ContainsKey(r.Using) && Passes(p, r.Filter))
            .Select(p => (Point: p, Score: Dot(unit, p.Vectors.Vectors_.Vectors[r.Using].Dense.Data)))
            .Where(x => !r.HasScoreThreshold || x.Score >= r.ScoreThreshold)
            .OrderByDescending(x => x.Score).ThenBy(x => Key(x.Point.Id), new IdOrder())
            .Skip((int)r.Offset).Take(r.HasLimit ? (int)r.Limit : 10);
        var resp = new QueryResponse();
        foreach (var (p, s) in scored)
        {
            var sp = new ScoredPoint { Id = p.Id.Clone(), Score = s, Version = 1 };
            sp.Payload.Add(Select(p.Payload, r.WithPayload, defaultOn: false));
            if (SelectVectors(p, r.WithVectors) is { } v) sp.Vectors = v;
            resp.Result.Add(sp);
        }
        return resp;
    }

    private ScrollResponse Scroll(ScrollPoints r)
    {
        var c = Get(r.CollectionName);
        if (r.OrderBy is not null) throw Unimplemented("stand-in: scroll order_by");
        int limit = r.HasLimit ? (int)r.Limit : 10;
        var from = r.Offset is null ? null : Key(r.Offset);
        var order = new IdOrder();
        var page = c.Points.Where(kv => (from is null || order.Compare(kv.Key, from) >= 0) && Passes(kv.Value, r.Filter)).Take(limit + 1).ToList();
        var resp = new ScrollResponse();
        foreach (var (_, p) in page.Take(limit)) resp.Result.Add(Retrieved(p, r.WithPayload, r.WithVectors, payloadDefault: true));
        if (page.Count > limit) resp.NextPageOffset = page[limit].Value.Id.Clone();
        return resp;
    }

    private static RetrievedPoint Retrieved(PointStruct p, WithPayloadSelector? payload, WithVectorsSelector? vectors, bool payloadDefault = false)
    {
        var rp = new RetrievedPoint { Id = p.Id.Clone() };
        rp.Payload.Add(Select(p.Payload, payload, payloadDefault));
        if (SelectVectors(p, vectors) is { } v) rp.Vectors = v;
        return rp;
    }

    private static MapField<string, Value> Select(MapField<string, Value> payload, WithPayloadSelector? s, bool defaultOn)
    {
        var m = new MapField<string, Value>();
        foreach (var (k, v) in payload)
        {
            bool keep = s is null ? defaultOn : s.SelectorOptionsCase switch
            {
                WithPayloadSelector.SelectorOptionsOneofCase.Enable => s.Enable,
                WithPayloadSelector.SelectorOptionsOneofCase.Include => s.Include.Fields.Contains(k),
                WithPayloadSelector.SelectorOptionsOneofCase.Exclude => !s.Exclude.Fields.Contains(k),
                _ => defaultOn,
            };
            if (keep) m[k] = v.Clone();
        }
        return m;
    }

    private static VectorsOutput? SelectVectors(PointStruct p, WithVectorsSelector? s)
    {
        if (s is null || (s.SelectorOptionsCase == WithVectorsSelector.SelectorOptionsOneofCase.Enable && !s.Enable)) return null;
        var names = s.SelectorOptionsCase == WithVectorsSelector.SelectorOptionsOneofCase.Include ? s.Include.Names.ToHashSet() : null;
        var o = new VectorsOutput { Vectors = new NamedVectorsOutput() };
        foreach (var (n, v) in p.Vectors.Vectors_.Vectors)
            if (names is null || names.Contains(n)) o.Vectors.Vectors[n] = new VectorOutput { Dense = v.Dense.Clone() };
        return o;
    }

    // ---- filters, as Qdrant documents them ----

    private static bool Passes(PointStruct p, Filter? f)
    {
        if (f is null) return true;
        if (!f.Must.All(c => Holds(p, c))) return false;
        if (f.Should.Count > 0 && !f.Should.Any(c => Holds(p, c))) return false;
        if (f.MustNot.Any(c => Holds(p, c))) return false;
        if (f.MinShould is { } ms && ms.Conditions.Count(c => Holds(p, c)) < (int)ms.MinCount) return false;
        return true;
    }

    private static bool Holds(PointStruct p, Condition c) => c.ConditionOneOfCase switch
    {
        Condition.ConditionOneOfOneofCase.Field => Field(p, c.Field),
        Condition.ConditionOneOfOneofCase.HasId => c.HasId.HasId.Select(Key).Contains(Key(p.Id)),
        Condition.ConditionOneOfOneofCase.Filter => Passes(p, c.Filter),
        Condition.ConditionOneOfOneofCase.IsEmpty => !p.Payload.TryGetValue(c.IsEmpty.Key, out var v) || v.KindCase == Value.KindOneofCase.NullValue
            || (v.KindCase == Value.KindOneofCase.ListValue && v.ListValue.Values.Count == 0),
        Condition.ConditionOneOfOneofCase.IsNull => p.Payload.TryGetValue(c.IsNull.Key, out var n) && n.KindCase == Value.KindOneofCase.NullValue,
        _ => throw Unimplemented($"stand-in: condition {c.ConditionOneOfCase}"),
    };

    private static bool Field(PointStruct p, FieldCondition fc)
    {
        if (!p.Payload.TryGetValue(fc.Key, out var value)) return false;
        var values = value.KindCase == Value.KindOneofCase.ListValue ? value.ListValue.Values.ToList() : [value];
        if (fc.Match is { } m)
        {
            return m.MatchValueCase switch
            {
                Match.MatchValueOneofCase.Keyword => values.Any(v => v.KindCase == Value.KindOneofCase.StringValue && v.StringValue == m.Keyword),
                Match.MatchValueOneofCase.Integer => values.Any(v => v.KindCase == Value.KindOneofCase.IntegerValue && v.IntegerValue == m.Integer),
                Match.MatchValueOneofCase.Boolean => values.Any(v => v.KindCase == Value.KindOneofCase.BoolValue && v.BoolValue == m.Boolean),
                Match.MatchValueOneofCase.Keywords => values.Any(v => v.KindCase == Value.KindOneofCase.StringValue && m.Keywords.Strings.Contains(v.StringValue)),
                Match.MatchValueOneofCase.Integers => values.Any(v => v.KindCase == Value.KindOneofCase.IntegerValue && m.Integers.Integers.Contains(v.IntegerValue)),
                Match.MatchValueOneofCase.ExceptKeywords => values.Any(v => v.KindCase == Value.KindOneofCase.StringValue && !m.ExceptKeywords.Strings.Contains(v.StringValue)),
                Match.MatchValueOneofCase.ExceptIntegers => values.Any(v => v.KindCase == Value.KindOneofCase.IntegerValue && !m.ExceptIntegers.Integers.Contains(v.IntegerValue)),
                _ => throw Unimplemented($"stand-in: match {m.MatchValueCase}"),
            };
        }
        if (fc.Range is { } r)
        {
            return values.Any(v =>
            {
                double? x = v.KindCase switch { Value.KindOneofCase.IntegerValue => v.IntegerValue, Value.KindOneofCase.DoubleValue => v.DoubleValue, _ => null };
                return x is { } d && (!r.HasGt || d > r.Gt) && (!r.HasGte || d >= r.Gte) && (!r.HasLt || d < r.Lt) && (!r.HasLte || d <= r.Lte);
            });
        }
        throw Unimplemented("stand-in: field condition other than match or range");
    }

    // ---- helpers ----

    private Collection Get(string name) => _collections.TryGetValue(name, out var c) ? c
        : throw new RpcException(new Status(StatusCode.NotFound, $"Not found: Collection `{name}` doesn't exist!"));

    private PointsOperationResponse Done() => new() { Result = new UpdateResult { OperationId = ++_operation, Status = UpdateStatus.Completed } };

    /// <summary>Ids as sortable keys: numbers first (zero-padded), then UUIDs in byte order (their canonical lower-case text).</summary>
    private static string Key(PointId id) => id.PointIdOptionsCase == PointId.PointIdOptionsOneofCase.Num
        ? "0:" + id.Num.ToString("D20") : "1:" + Guid.Parse(id.Uuid).ToString("D");

    private sealed class IdOrder : IComparer<string>
    {
        public int Compare(string? a, string? b) => string.CompareOrdinal(a, b);
    }

#pragma warning disable CS0612   // a client older than the `dense` field sends `data`
    private static float[] Dense(Vector v) => v.VectorCase == Vector.VectorOneofCase.Dense ? v.Dense.Data.ToArray() : v.Data.ToArray();
#pragma warning restore CS0612

    private static float[] Normalise(float[] v)
    {
        double ss = v.Sum(x => (double)x * x);
        if (ss == 0) return v;
        float inv = (float)(1 / Math.Sqrt(ss));
        return v.Select(x => x * inv).ToArray();
    }

    private static float Dot(float[] a, IReadOnlyList<float> b)
    {
        float s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static RpcException Wrong(string what) => new(new Status(StatusCode.InvalidArgument, "Wrong input: " + what));
    private static RpcException Unimplemented(string what) => new(new Status(StatusCode.Unimplemented, what));
}
