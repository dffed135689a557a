import java.io.IOException;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Foreground launcher for one local OpenSearch node (used by scripts/services/opensearch.ts).
 * The runner's CLI cannot pin the bind address or ports, so this main passes them as node settings:
 * HTTP and transport on 127.0.0.1 only, single-node discovery, no port probing or fallback.
 * Args: basePath httpPort transportPort. Runs until the JVM is terminated (SIGTERM closes the node).
 */
public final class LocalOpenSearch {
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: LocalOpenSearch <basePath> <httpPort> <transportPort>");
      System.exit(2);
    }
    final String basePath = args[0];
    final int httpPort = Integer.parseInt(args[1]);
    final int transportPort = Integer.parseInt(args[2]);
    final OpenSearchRunner runner = new OpenSearchRunner();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (IOException e) {
        System.err.println("close failed: " + e);
      }
    }));
    runner.setMaxHttpPort(-1); // no probing: use exactly httpPort, never silently move to the next port
    runner.onBuild((index, settings) -> settings
        .put("network.host", "127.0.0.1")
        .put("http.port", httpPort)
        .put("transport.port", transportPort)
        .put("discovery.type", "single-node")
        .putList("node.roles", "cluster_manager", "data", "ingest")
        .put("cluster.routing.allocation.disk.threshold_enabled", false));
    try {
      runner.build(OpenSearchRunner.newConfigs()
          .basePath(basePath)
          .numOfNode(1)
          .baseHttpPort(httpPort - 1) // only used for the runner's own banner (node ids start at 1)
          .clusterName("viewership-local")
          .printOnFailure());
    } catch (RuntimeException e) {
      e.printStackTrace();
      System.exit(1);
    }
    while (!runner.isClosed()) {
      Thread.sleep(1000);
    }
  }
}
