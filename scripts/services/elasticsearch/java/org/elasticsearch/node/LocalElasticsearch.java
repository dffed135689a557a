package org.elasticsearch.node;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.transport.netty4.Netty4Plugin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Single-node Elasticsearch from Maven Central jars: the real server (org.elasticsearch:elasticsearch) with the
 * real HTTP/transport layer (transport-netty4) loaded as classpath plugins instead of a distribution's modules/.
 * Usage: java -cp classes:lib/* org.elasticsearch.node.LocalElasticsearch HOME DATA HTTP_PORT TRANSPORT_PORT
 * Binds HTTP and transport to 127.0.0.1 only, single-node discovery, runs in the foreground until SIGTERM.
 * It lives in package org.elasticsearch.node to reach the package-private NodeConstruction hooks (as the
 * test framework's MockNode does).
 */
public class LocalElasticsearch extends Node {
    LocalElasticsearch(Environment env, List<Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(env, null, new NodeServiceProvider() {
            @Override
            org.elasticsearch.plugins.PluginsService newPluginService(Environment e, PluginsLoader loader) {
                return new ClasspathPluginsService(e.settings(), e, plugins);
            }
        }, true));
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]).toAbsolutePath();
        Path data = Path.of(args[1]).toAbsolutePath();
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(data);
        Settings settings = Settings.builder()
            .put("cluster.name", "viewership-local")
            .put("node.name", "local-es")
            .put("path.home", home.toString())
            .put("path.data", data.toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", args[2])
            .put("transport.port", args[3])
            .put("discovery.type", "single-node")
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("logger.level", "INFO")
            .build();
        LogConfigurator.configureWithoutConfig(settings);
        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), home.resolve("config"), () -> "local-es");
        List<Class<? extends Plugin>> plugins = new ArrayList<>();
        plugins.add(Netty4Plugin.class);
        plugins.add(LocalCompatPlugin.class);
        Node node;
        try {
            node = new LocalElasticsearch(env, plugins);
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            }
            stopped.countDown();
        }, "local-es-shutdown"));
        try {
            node.start();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.out.println("LocalElasticsearch started: http://127.0.0.1:" + args[2]);
        stopped.await();
    }
}
