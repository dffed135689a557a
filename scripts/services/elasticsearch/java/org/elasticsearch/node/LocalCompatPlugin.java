package org.elasticsearch.node;

import org.apache.lucene.util.Version;
import org.elasticsearch.Build;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.admin.indices.refresh.RefreshRequest;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.bulk.BulkResponse;
import org.elasticsearch.action.delete.DeleteRequest;
import org.elasticsearch.action.search.ClearScrollRequest;
import org.elasticsearch.action.search.SearchRequest;
import org.elasticsearch.action.search.SearchResponse;
import org.elasticsearch.action.search.SearchScrollRequest;
import org.elasticsearch.action.search.ShardSearchFailure;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.index.reindex.BulkByScrollResponse;
import org.elasticsearch.index.reindex.BulkByScrollTask;
import org.elasticsearch.index.reindex.DeleteByQueryRequest;
import org.elasticsearch.index.reindex.ScrollableHitSource;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestChannel;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.rest.action.search.RestSearchAction;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentFactory;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Replaces the two HTTP endpoints that a distribution serves from modules which are not published to Maven Central
 * for 8.x: {@code GET /} (module rest-root) and {@code POST /{index}/_delete_by_query} (module reindex, synchronous
 * form: scroll over the query, bulk-delete each batch with seq_no/primary_term checks, optional refresh).
 */
public class LocalCompatPlugin extends Plugin implements ActionPlugin {
    private final AtomicReference<ClusterService> clusterService = new AtomicReference<>();

    @Override
    public Collection<?> createComponents(PluginServices services) {
        clusterService.set(services.clusterService());
        return List.of();
    }

    @Override
    public Collection<RestHandler> getRestHandlers(Settings settings, NamedWriteableRegistry registry, RestController controller,
            ClusterSettings clusterSettings, IndexScopedSettings indexScopedSettings, SettingsFilter settingsFilter,
            IndexNameExpressionResolver resolver, Supplier<DiscoveryNodes> nodes, Predicate<NodeFeature> supportsFeature) {
        return List.of(new RootHandler(settings), new DeleteByQueryHandler(supportsFeature));
    }

    /** GET / and HEAD /: node name, cluster name/uuid and the real build's version block. */
    private final class RootHandler extends BaseRestHandler {
        private final Settings settings;

        RootHandler(Settings settings) {
            this.settings = settings;
        }

        @Override
        public String getName() {
            return "local_main_action";
        }

        @Override
        public List<Route> routes() {
            return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
        }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
            return channel -> {
                if (request.method() == RestRequest.Method.HEAD) {
                    channel.sendResponse(new RestResponse(RestStatus.OK, RestResponse.TEXT_CONTENT_TYPE, BytesReference.fromByteBuffer(java.nio.ByteBuffer.allocate(0))));
                    return;
                }
                ClusterState state = clusterService.get().state();
                Build build = Build.current();
                XContentBuilder b = channel.newBuilder();
                b.startObject();
                b.field("name", Node.NODE_NAME_SETTING.get(settings));
                b.field("cluster_name", state.getClusterName().value());
                b.field("cluster_uuid", state.metadata().clusterUUID());
                b.startObject("version")
                    .field("number", build.qualifiedVersion())
                    .field("build_flavor", build.flavor())
                    .field("build_type", build.type().displayName())
                    .field("build_hash", build.hash())
                    .field("build_date", build.date())
                    .field("build_snapshot", build.isSnapshot())
                    .field("lucene_version", Version.LATEST.toString())
                    .field("minimum_wire_compatibility_version", build.minWireCompatVersion())
                    .field("minimum_index_compatibility_version", build.minIndexCompatVersion())
                    .endObject();
                b.field("tagline", "You Know, for Search");
                b.endObject();
                channel.sendResponse(new RestResponse(RestStatus.OK, b));
            };
        }
    }

    /** Synchronous delete-by-query over scroll + bulk through the node client. */
    private static final class DeleteByQueryHandler extends BaseRestHandler {
        private final Predicate<NodeFeature> supportsFeature;

        DeleteByQueryHandler(Predicate<NodeFeature> supportsFeature) {
            this.supportsFeature = supportsFeature;
        }

        @Override
        public String getName() {
            return "local_delete_by_query_action";
        }

        @Override
        public List<Route> routes() {
            return List.of(new Route(RestRequest.Method.POST, "/{index}/_delete_by_query"));
        }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
            DeleteByQueryRequest internal = new DeleteByQueryRequest();
            SearchRequest search = internal.getSearchRequest();
            XContentParser parser = null;
            if (request.hasContentOrSourceParam()) {
                try (XContentParser p = request.contentOrSourceParamParser();
                     XContentBuilder builder = XContentFactory.contentBuilder(p.contentType())) {
                    Map<String, Object> body = p.map();
                    Object maxDocs = body.remove("max_docs");
                    if (maxDocs != null) internal.setMaxDocs(Integer.parseInt(maxDocs.toString()));
                    Object conflicts = body.remove("conflicts");
                    if (conflicts != null) internal.setConflicts(conflicts.toString());
                    parser = XContentHelper.createParserNotCompressed(
                        XContentParserConfiguration.EMPTY.withRegistry(p.getXContentRegistry()).withDeprecationHandler(p.getDeprecationHandler()),
                        BytesReference.bytes(builder.map(body)), p.contentType());
                }
            }
            try {
                RestSearchAction.parseSearchRequest(search, request, parser, supportsFeature, size -> {
                    throw new IllegalArgumentException("invalid parameter [size], use [max_docs] instead");
                });
            } finally {
                if (parser != null) parser.close();
            }
            search.source().size(request.paramAsInt("scroll_size", search.source().size()));
            if (request.hasParam("conflicts")) internal.setConflicts(request.param("conflicts"));
            if (request.hasParam("max_docs")) internal.setMaxDocs(request.paramAsInt("max_docs", -1));
            internal.setRefresh(request.paramAsBoolean("refresh", false));
            if (request.paramAsBoolean("wait_for_completion", true) == false) {
                throw new IllegalArgumentException("wait_for_completion=false is not supported by this local node");
            }
            TimeValue scroll = request.paramAsTime("scroll", TimeValue.timeValueMinutes(5));
            for (String ignored : List.of("slices", "requests_per_second", "timeout", "wait_for_active_shards", "search_timeout")) {
                request.param(ignored);
            }
            search.scroll(scroll);
            search.source().seqNoAndPrimaryTerm(true);
            search.source().fetchSource(false);
            return channel -> new Run(client, channel, internal, scroll).start();
        }
    }

    private static final class Run {
        private final NodeClient client;
        private final RestChannel channel;
        private final DeleteByQueryRequest req;
        private final TimeValue scroll;
        private final long startNanos = System.nanoTime();
        private final List<BulkItemResponse.Failure> bulkFailures = new ArrayList<>();
        private final List<ScrollableHitSource.SearchFailure> searchFailures = new ArrayList<>();
        private long total = -1, deleted, conflicts;
        private int batches;
        private String scrollId;

        Run(NodeClient client, RestChannel channel, DeleteByQueryRequest req, TimeValue scroll) {
            this.client = client;
            this.channel = channel;
            this.req = req;
            this.scroll = scroll;
        }

        void start() {
            client.search(req.getSearchRequest(), ActionListener.wrap(this::onHits, this::fail));
        }

        private void onHits(SearchResponse resp) {
            scrollId = resp.getScrollId();
            for (ShardSearchFailure f : resp.getShardFailures()) {
                searchFailures.add(new ScrollableHitSource.SearchFailure(f.getCause(), f.index(), f.shardId(), f.shard() == null ? null : f.shard().getNodeId()));
            }
            if (total < 0) {
                long hitsTotal = resp.getHits().getTotalHits() == null ? 0 : resp.getHits().getTotalHits().value;
                total = req.getMaxDocs() >= 0 ? Math.min(hitsTotal, req.getMaxDocs()) : hitsTotal;
            }
            SearchHit[] hits = resp.getHits().getHits();
            long room = req.getMaxDocs() >= 0 ? req.getMaxDocs() - deleted - conflicts : Long.MAX_VALUE;
            if (hits.length == 0 || room <= 0 || searchFailures.isEmpty() == false) {
                finish();
                return;
            }
            BulkRequest bulk = new BulkRequest();
            for (int i = 0; i < hits.length && i < room; i++) {
                SearchHit h = hits[i];
                DeleteRequest d = new DeleteRequest(h.getIndex(), h.getId()).setIfSeqNo(h.getSeqNo()).setIfPrimaryTerm(h.getPrimaryTerm());
                if (h.field("_routing") != null) d.routing(h.field("_routing").getValue().toString());
                bulk.add(d);
            }
            batches++;
            client.bulk(bulk, ActionListener.wrap(this::onBulk, this::fail));
        }

        private void onBulk(BulkResponse resp) {
            boolean abort = false;
            for (BulkItemResponse item : resp.getItems()) {
                if (item.isFailed() == false) {
                    deleted++;
                } else if (item.getFailure().getStatus() == RestStatus.CONFLICT) {
                    conflicts++;
                    if (req.isAbortOnVersionConflict()) {
                        bulkFailures.add(item.getFailure());
                        abort = true;
                    }
                } else {
                    bulkFailures.add(item.getFailure());
                    abort = true;
                }
            }
            if (abort || scrollId == null) {
                finish();
                return;
            }
            client.searchScroll(new SearchScrollRequest(scrollId).scroll(scroll), ActionListener.wrap(this::onHits, this::fail));
        }

        private void finish() {
            if (scrollId != null) {
                ClearScrollRequest clear = new ClearScrollRequest();
                clear.addScrollId(scrollId);
                client.clearScroll(clear, ActionListener.wrap(r -> {}, e -> {}));
                scrollId = null;
            }
            if (req.isRefresh() && deleted > 0) {
                client.admin().indices().refresh(new RefreshRequest(req.indices()), ActionListener.wrap(r -> respond(), this::fail));
            } else {
                respond();
            }
        }

        private void respond() {
            try {
                BulkByScrollTask.Status status = new BulkByScrollTask.Status(null, Math.max(total, 0), 0, 0, deleted, batches,
                    conflicts, 0, 0, 0, TimeValue.ZERO, Float.POSITIVE_INFINITY, null, TimeValue.ZERO);
                BulkByScrollResponse r = new BulkByScrollResponse(TimeValue.timeValueNanos(System.nanoTime() - startNanos), status,
                    bulkFailures, searchFailures, false);
                RestStatus code = RestStatus.OK;
                for (BulkItemResponse.Failure f : bulkFailures) if (f.getStatus().getStatus() > code.getStatus()) code = f.getStatus();
                for (ScrollableHitSource.SearchFailure f : searchFailures) {
                    RestStatus s = org.elasticsearch.ExceptionsHelper.status(f.getReason());
                    if (s.getStatus() > code.getStatus()) code = s;
                }
                XContentBuilder b = channel.newBuilder();
                b.startObject();
                r.toXContent(b, ToXContent.EMPTY_PARAMS);
                b.endObject();
                channel.sendResponse(new RestResponse(code, b));
            } catch (Exception e) {
                fail(e);
            }
        }

        private void fail(Exception e) {
            try {
                channel.sendResponse(new RestResponse(channel, e));
            } catch (IOException io) {
                e.addSuppressed(io);
            }
        }
    }
}
