# The chart's hub image with the JupyterHub Credit Service (0.4.x; 0.3.x
# works too, see values.yaml). Install as root, run as the image's user.
FROM quay.io/jupyterhub/k8s-hub:4.4.0
USER root
RUN python3 -m pip install --no-cache-dir "jupyterhub-credit-service==0.4.2"
# The shared reader (values-shared-reader.yaml): its hub route and service.
RUN python3 -m pip install --no-cache-dir "jupyterlab-hub-credits==0.2.0"
USER jovyan
