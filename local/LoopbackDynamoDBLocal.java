// DynamoDB Local bound to 127.0.0.1 only. Its own launcher (ServerRunner) builds a Jetty
// `new Server(port)`, which listens on every interface and has no option to change that: anyone
// who reached the machine could read and rewrite every tenant's tables. This launcher builds the
// same server from the same command line, sets the connector's host, then starts it.
// Run as a single source file (`java -cp DynamoDBLocal.jar:DynamoDBLocal_lib/* this-file args`).
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class LoopbackDynamoDBLocal {
    public static void main(String[] args) throws Exception {
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server jetty = (Server) field.get(proxy);
        for (Connector connector : jetty.getConnectors()) {
            ((ServerConnector) connector).setHost("127.0.0.1");
        }
        proxy.start();
        proxy.join();
    }
}
