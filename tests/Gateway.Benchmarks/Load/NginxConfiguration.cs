namespace Gateway.Benchmarks.Load;

/// <summary>
/// A plain TLS-terminating nginx in front of the upstream: one worker per core, kept-alive upstream
/// connections, no access log (the gateway logs none either). Connections are kept for any number
/// of requests, as Kestrel's and YARP's are: by default nginx closes one after 1 000, and h2load
/// does not reconnect, so its fixed-rate run got 16 000 requests and then none.
/// </summary>
internal static class NginxConfiguration
{
    public static string Render(string prefix, int port, LoadEnvironment environment) => $$"""
        {{(Environment.UserName == "root" ? "user root;" : "")}}
        worker_processes auto;
        daemon off;
        pid {{prefix}}/nginx.pid;
        events { worker_connections 4096; }
        http {
            access_log off;
            keepalive_requests 1000000000;
            client_body_temp_path {{prefix}}/client_body;
            proxy_temp_path {{prefix}}/proxy;
            fastcgi_temp_path {{prefix}}/fastcgi;
            uwsgi_temp_path {{prefix}}/uwsgi;
            scgi_temp_path {{prefix}}/scgi;
            upstream crm {
                server 127.0.0.1:{{environment.UpstreamPort}};
                keepalive 64;
                keepalive_requests 1000000000;
            }
            server {
                listen 127.0.0.1:{{port}} ssl;
                ssl_certificate {{environment.Workspace.ServerCertificatePath}};
                ssl_certificate_key {{environment.Workspace.ServerKeyPath}};
                ssl_protocols TLSv1.2 TLSv1.3;
                location / {
                    proxy_pass http://crm;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                }
            }
        }
        """;
}
